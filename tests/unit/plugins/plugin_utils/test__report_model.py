# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet model: host status, findings from the same catalogue as tls_findings, blocking per audit_fail_on."""

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _report_model as model


def test_hosts_keep_their_order_and_status(fleet):
    m = model.build(fleet)
    assert [h["name"] for h in m["hosts"]] == list(fleet)
    assert [h["status"] for h in m["hosts"]] == ["audited", "audited", "unreachable", "failed"]
    assert [h["result"] for h in m["hosts"]] == ["fail", "pass", "not audited", "not audited"]
    assert m["result"] == "fail"
    assert m["summary"]["unreachable"] == 1
    assert m["summary"]["failed"] == 1
    assert m["summary"]["passing"] == 1
    assert "Connection refused" in m["hosts"][2]["error"]
    assert "postconf: fatal" in m["hosts"][3]["error"]


def test_findings_are_the_catalogue_findings_with_host_and_blocking(fleet):
    m = model.build(fleet, profile="intermediate", fail_on="high")
    legacy = next(iter(fleet))
    expected = _findings.findings(fleet[legacy]["postfix_info"], profile="intermediate")
    mine = [f for f in m["findings"] if f["host"] == legacy]
    assert [(f["id"], f["severity"], f["service"], f["message"], f["fix"]) for f in mine] == [
        (f["id"], f["severity"], f["service"], f["message"], f["fix"]) for f in expected
    ]
    assert all(f["blocking"] == (f["severity"] == "high") for f in mine)
    assert not [f for f in m["findings"] if f["host"] != legacy]  # the hardened host is clean


@pytest.mark.parametrize("fail_on,blocking", [("high", {"high"}), ("medium", {"high", "medium"}), ("never", set())])
def test_blocking_follows_audit_fail_on(fleet, fail_on, blocking):
    m = model.build(fleet, fail_on=fail_on)
    assert {f["severity"] for f in m["findings"] if f["blocking"]} == blocking & {f["severity"] for f in m["findings"]}
    assert m["summary"]["blocking"] == sum(1 for f in m["findings"] if f["severity"] in blocking)


def test_a_host_that_was_not_audited_never_passes_even_with_fail_on_never(fleet):
    m = model.build(fleet, fail_on="never")
    assert [h["result"] for h in m["hosts"]] == ["pass", "pass", "not audited", "not audited"]
    assert m["result"] == "fail"


def test_a_fleet_of_clean_hosts_passes(hardened_fleet):
    m = model.build(hardened_fleet)
    assert m["result"] == "pass"
    assert m["findings"] == []
    assert m["summary"]["findings"] == {"high": 0, "medium": 0, "low": 0, "info": 0}


def test_fix_file_is_master_cf_when_the_fix_is_a_service_override(fleet):
    m = model.build(fleet)
    files = {f["fix"].startswith("master.cf"): f["file"] for f in m["findings"]}
    assert files == {True: "/etc/postfix/master.cf", False: "/etc/postfix/main.cf"}


def test_checks_are_every_catalogue_id_then_unknown_ids():
    assert [c["id"] for c in model.build({})["checks"]] == list(_findings.FINDING_IDS)
    assert model.check_ids([{"id": "new_check"}])[-1] == "new_check"
    assert model.rule_text("new_check")[0] == "New check"
    # every check the catalogue runs has its own title and help (from its rule), none the generic text
    for fid in _findings.FINDING_IDS:
        title, help_ = model.rule_text(fid)
        assert title != fid.replace("_", " ").capitalize() and help_ != "See the finding's message and fix."


def test_list_of_pairs_and_missing_results_are_accepted():
    skipped = {"skipped": True, "skip_reason": "Conditional result was False"}
    m = model.build([("a", None), {"host": "b", "result": skipped}])
    assert [(h["name"], h["status"]) for h in m["hosts"]] == [("a", "failed"), ("b", "failed")]
    assert "Conditional" in m["hosts"][1]["error"]


@pytest.mark.parametrize("kw", [{"profile": "paranoid"}, {"fail_on": "critical"}])
def test_bad_options_are_rejected(kw):
    with pytest.raises(ValueError):
        model.build({}, **kw)


def test_undecodable_bytes_become_replacement_characters():
    assert model.text("caf\udce9") == "caf\ufffd"
    assert model.printable("a\x00b\x1bc\td") == "a\ufffdb\ufffdc\td"
    assert model.plain({"k": ("x", 1, None, True)}) == {"k": ["x", 1, None, True]}


def test_groups_put_each_listener_first_then_other_places(fleet):
    m = model.build(fleet)
    host = m["hosts"][1]
    labels = [label for label, _lst, _fs in model.groups(host, m["findings"])]
    assert labels == ["smtp (port 25)", "submission (port 587)", "submissions (port 465)"]  # loopback left out
    legacy = m["hosts"][0]
    places = [label for label, lst, _fs in model.groups(legacy, m["findings"]) if lst is None]
    assert "main.cf" in places
