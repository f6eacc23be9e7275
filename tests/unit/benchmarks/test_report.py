# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""benchmarks/mailbench/report.py: verdicts of the issue's acceptance and the document from the template."""

import copy

from ansible_collections.mailsec.postfix.benchmarks.mailbench import report
from ansible_collections.mailsec.postfix.benchmarks.mailbench.converge import VARIANTS


def row(key, label, first, rerun, **extra):
    data = {
        "key": key,
        "label": label,
        "n": len(first),
        "first_median": sorted(first)[len(first) // 2],
        "rerun_median": sorted(rerun)[len(rerun) // 2],
        "first_all": first,
        "rerun_all": rerun,
        "tasks_first": 5,
        "tasks_rerun": 3,
        "skipped_rerun": 0,
        "results_first": 5,
        "results_rerun": 3,
        "changed_first": [2] * len(first),
        "changed_rerun": [0] * len(rerun),
        "same_config": True,
        "full_all": [],
        "full_median": None,
        "tasks_full": None,
        "changed_full": [],
    }
    data.update(extra)
    return data


def results():
    times = {"role": (60.0, 3.0), "modules": (6.0, 4.5), "command": (86.0, 88.0), "lineinfile": (55.0, 52.0),
             "shell": (4.3, 2.7)}  # fmt: skip
    rows = [row(key, label, [times[key][0]], [times[key][1]]) for key, label in VARIANTS]
    rows[0].update(
        full_all=[45.0],
        full_median=45.0,
        tasks_full=39,
        changed_full=[0],
        rewrite_all=[3.2],
        rewrite_median=3.2,
        tasks_rewrite=7,
        changed_rewrite=[0],
        rewrite_bytes_changed=[{"main.cf": False, "master.cf": True}],
        rewrite_same_signature=[True],
    )
    counts = {"main_cf_set": 20, "main_cf_removed": 1, "services": 2, "services_removed": 0, "overrides_set": 17,
              "overrides_removed": 0}  # fmt: skip
    return {
        "notes": ["a note"],
        "machine": {"date": "today", "cpu": "test"},
        "total_seconds": 12.0,
        "part1": {
            "rows": rows,
            "counts": counts,
            "runs_target": 1,
            "floor": [
                {"key": "empty", "label": "debug play", "all": [1.1], "median": 1.1},
                {"key": "noop", "label": "no-op play", "all": [2.7], "median": 2.7},
            ],
        },
    }


def by_label(verdicts):
    return {label.split(" ", 1)[0]: (met, detail) for label, met, detail in verdicts}


def test_issue_verdicts_met():
    verdicts = report.verdicts(results()["part1"])
    labels = [label for label, _met, _detail in verdicts]
    assert not any("no slower than (d)" in label and label.startswith("(a) ") for label in labels)
    found = by_label(verdicts)
    assert found["(i)"] == (True, "3.0 s vs 2.7 s: 1.11x")
    met, detail = found["(ii)"]
    assert met is True
    assert "changed per run: [0]; 3.2 s (7 tasks) vs 88.0 s: 27.5x" in detail
    assert "main.cf 0/1, master.cf 1/1" in detail and "unchanged 1/1" in detail
    assert found["(iii)"] == (True, "measured median 60.0 s (n=1) vs 64.0 s: 0.94x")
    assert "7834ba4" in next(label for label in labels if label.startswith("(iii)"))


def test_issue_verdicts_not_met():
    data = results()
    role = data["part1"]["rows"][0]
    role.update(rerun_median=3.3, changed_rewrite=[2], first_median=64.1)
    found = by_label(report.verdicts(data["part1"]))
    assert found["(i)"][0] is False
    assert found["(ii)"][0] is False
    assert found["(iii)"][0] is False
    role.update(changed_rewrite=[0], rewrite_median=9.0)  # 88 / 9 < 10
    assert by_label(report.verdicts(data["part1"]))["(ii)"][0] is False


def test_document_from_template():
    text = report.render_document(results())
    assert text.startswith("# Benchmarks\n")
    assert "$" not in text.replace("$myhostname", "")
    assert "| (i) untouched re-run <= 1.2x the one-shell-task play (d) re-run | yes | 3.0 s vs 2.7 s: 1.11x |" in text
    assert "| right after (d)'s `postconf` calls re-applied the same values" in text
    assert (
        "- (a): first 60.0; re-run 3.0; right after the postconf rewrite 3.2; re-run with the fast path off 45.0"
        in text
    )
    assert "at least 10x faster" in text and "(64.0 s)" in text
    assert "## Notes from this run\n\n- a note\n" in text
    assert "\n\n\n" not in text


def test_results_from_before_the_rewrite_experiment_still_render():
    data = copy.deepcopy(results())
    for key in list(data["part1"]["rows"][0]):
        if "rewrite" in key:
            del data["part1"]["rows"][0][key]
    del data["part1"]["counts"]["services_removed"]
    found = by_label(report.verdicts(data["part1"]))
    assert found["(ii)"] == (None, "not measured in this run")
    text = report.render_document(data)
    assert "| (ii) " in text and "| - | not measured in this run |" in text
    assert "right after (d)'s" not in text


def test_a_variable_that_changes_nothing_has_its_verdict_and_row():
    data = copy.deepcopy(results())
    plan = "Full converge: role variables, collection code or managed files differ from the last converge. " + (
        "Not due, skipped: certificates, dovecot."
    )
    data["part1"]["rows"][0].update(
        nochange_all=[11.0], nochange_median=11.0, tasks_nochange=22, changed_nochange=[0], nochange_plans=[plan]
    )
    verdicts = report.verdicts(data["part1"])
    (_label, met, detail) = next(v for v in verdicts if "changes nothing" in v[0])
    assert met is True and detail.startswith("11.0 s (22 tasks); 8.0x faster than (b); the role said: Full")
    text = report.render_document(data)
    assert "| a role variable that changes nothing (`postfix_hardening_dns_ttl: 7201`) | 1 | 11.0 | 22 | [0] |" in text
    assert "; with a variable that changes nothing 11.0; re-run with the fast path off 45.0" in text
    data["part1"]["rows"][0].update(nochange_plans=["Full converge: no record of an earlier converge."])
    assert next(v for v in report.verdicts(data["part1"]) if "changes nothing" in v[0])[1] is False
    data["part1"]["rows"][0].update(nochange_plans=[plan], changed_nochange=[1])
    assert next(v for v in report.verdicts(data["part1"]) if "changes nothing" in v[0])[1] is False
