# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Part 1: converge cost of the same change applied five ways in one container.

The role's warm-up run defines the change (liveconfig: postconf -n/-M/-P before and after);
(a') to (d) re-apply it. Each sample resets main.cf and master.cf to the pristine copies,
then times a first run and an idempotent re-run. Role samples also time a run right after
variant (d)'s postconf script re-applied the same values ("after a postconf rewrite") and a
run with a role variable that changes nothing on the server (the DNS TTL: only the
configuration part is due), and a run with postfix_hardening_fast_path=false (every part due).
"""

import re
import statistics
import time

from . import liveconfig
from .common import MX, log
from .plays import floor_plays, postconf_script, role_play, variant_plays

PRISTINE = "/root/bench-pristine"
FAST_PATH_OFF = '{"postfix_hardening_fast_path": false}'
# A role variable the configuration part reads that changes nothing on the server.
NO_CHANGE_VARIABLE = '{"postfix_hardening_dns_ttl": 7201}'
CONFIG_FILES = ("/etc/postfix/main.cf", "/etc/postfix/master.cf")
PLAN_RE = re.compile(r'"converge": "([^"]*)"')
VARIANTS = [
    ("role", "(a) role postfix_hardening (audit + DNS records always; validate, reload, health check on change)"),
    ("modules", "(a') maincf + mastercf tasks only (+ reload handler)"),
    ("command", "(b) command: postconf -e/-X/-M/-P per item (loop)"),
    ("lineinfile", "(c) lineinfile per parameter (loop) + blockinfile master.cf"),
    ("shell", "(d) one shell task: all postconf calls, checksum for changed"),
]


def reset_config(container):
    container.sh(
        "cp %s/main.cf %s/master.cf /etc/postfix/ && postfix reload >/dev/null 2>&1" % (PRISTINE, PRISTINE), timeout=120
    )


def file_hashes(container):
    """{"main.cf": sha256, "master.cf": sha256} of the live files."""
    text = container.sh("sha256sum %s" % " ".join(CONFIG_FILES))
    return {line.split()[1].rsplit("/", 1)[1]: line.split()[0] for line in text.splitlines() if line.strip()}


def prepare_part1(container, books):
    """Pristine copies and snapshot, one untimed role run (certificates, Dovecot drop-in), what it changed."""
    container.sh(
        "postconf -e myhostname=%s && mkdir -p %s && cp %s %s/ && postfix reload >/dev/null 2>&1"
        % (MX, PRISTINE, " ".join(CONFIG_FILES), PRISTINE)
    )
    pristine = liveconfig.read_snapshot(container)
    log("part 1: untimed role run (issues certificates, Dovecot drop-in); postconf -n/-M/-P before and after")
    seconds, recap = books.play(books.write("role-warmup", role_play()))[:2]
    log("part 1: warm-up role run %.1f s (ok=%d changed=%d)" % (seconds, recap["ok"], recap["changed"]))
    applied = liveconfig.read_snapshot(container)
    delta = liveconfig.change(liveconfig.parse_snapshot(pristine), liveconfig.parse_snapshot(applied))
    return {"change": delta, "signature": liveconfig.signature(applied)}


def rewrite_experiment(container, books, path, delta):
    """Re-apply the role's values with variant (d)'s postconf calls, then time one role run."""
    hashes_before = file_hashes(container)
    signature_before = liveconfig.signature(liveconfig.read_snapshot(container))
    container.sh("set -e\n" + "\n".join(postconf_script(delta)) + "\n")
    hashes_after = file_hashes(container)
    signature_after = liveconfig.signature(liveconfig.read_snapshot(container))
    seconds, recap, output = books.play(path)
    plan = PLAN_RE.search(output)
    return {
        "seconds": seconds,
        "recap": recap,
        # the role's own account of which way it went and why
        "plan": plan.group(1) if plan else None,
        "bytes_changed": {name: hashes_before.get(name) != hashes_after.get(name) for name in sorted(hashes_after)},
        "same_signature": signature_before == signature_after,
    }


class Part1:
    """Samples of every variant, round-robin, within the run target and the time budget."""

    def __init__(self, container, books, prepared):
        self.container = container
        self.books = books
        self.delta = prepared["change"]
        self.role_signature = prepared["signature"]
        self.paths = {"role": books.write("role", role_play())}
        for key, plays in variant_plays(self.delta).items():
            self.paths[key] = books.write(key, plays)
        # What any ansible-playbook run costs here, for reading the re-run times: start-up with no
        # task, and one no-op module task (a module round trip through the podman connection).
        self.floor_refs = floor_plays()
        self.floor_paths = {key: books.write("floor-" + key, ref[1]) for key, ref in self.floor_refs.items()}
        self.floor = {key: [] for key in self.floor_paths}
        self.samples = {
            key: {"first": [], "rerun": [], "recap_first": [], "recap_rerun": [], "full": [], "recap_full": [],
                  "rewrite": [], "nochange": [], "recap_nochange": [], "plan_nochange": []}
            for key, _label in VARIANTS
        }  # fmt: skip
        self.same_config = {}
        self.cost = {}

    def role_extras(self, data, round_no):
        """After the role's untouched re-run: the postconf rewrite experiment, then the fast path off."""
        rewrite = rewrite_experiment(self.container, self.books, self.paths["role"], self.delta)
        data["rewrite"].append(rewrite)
        recap = rewrite["recap"]
        log(
            "part 1 round %d: role after postconf rewrite: %6.1f s (ok=%d changed=%d; bytes changed %s; "
            "postconf -n/-M/-P same: %s): %s"
            % (round_no, rewrite["seconds"], recap["ok"], recap["changed"], rewrite["bytes_changed"],
               rewrite["same_signature"], rewrite["plan"])
        )  # fmt: skip
        # A variable that changes nothing: the configuration part only, no certificate, Dovecot
        # or package task (the record then describes that variable; the next run puts it back).
        seconds, recap, output = self.books.play(self.paths["role"], ["-e", NO_CHANGE_VARIABLE])
        plan = PLAN_RE.search(output)
        data["nochange"].append(seconds)
        data["recap_nochange"].append(recap)
        data["plan_nochange"].append(plan.group(1) if plan else "-")
        log("part 1 round %d: role, a variable that changes nothing: %6.1f s (ok=%d changed=%d): %s"
            % (round_no, seconds, recap["ok"], recap["changed"], data["plan_nochange"][-1]))  # fmt: skip
        # The same unchanged server once more with every step (what a run costs when the
        # record does not match, e.g. the first run after a collection upgrade). JSON, so that
        # the role gets a boolean false, not the string "false" of -e name=value.
        full_s, full_recap = self.books.play(self.paths["role"], ["-e", FAST_PATH_OFF])[:2]
        data["full"].append(full_s)
        data["recap_full"].append(full_recap)
        log("part 1 round %d: role, fast path off: %6.1f s (ok=%d changed=%d)"
            % (round_no, full_s, full_recap["ok"], full_recap["changed"]))  # fmt: skip

    def sample(self, key, round_no):
        data = self.samples[key]
        pair_start = time.monotonic()
        reset_config(self.container)
        first_s, first_recap = self.books.play(self.paths[key])[:2]
        if key not in self.same_config:
            live = liveconfig.signature(liveconfig.read_snapshot(self.container))
            self.same_config[key] = live == self.role_signature
        rerun_s, rerun_recap = self.books.play(self.paths[key])[:2]
        if key == "role":
            self.role_extras(data, round_no)
        self.cost[key] = time.monotonic() - pair_start
        data["first"].append(first_s)
        data["rerun"].append(rerun_s)
        data["recap_first"].append(first_recap)
        data["recap_rerun"].append(rerun_recap)
        log(
            "part 1 round %d: %-10s first %6.1f s (ok=%d changed=%d)  re-run %6.1f s (ok=%d changed=%d)"
            % (round_no, key, first_s, first_recap["ok"], first_recap["changed"], rerun_s, rerun_recap["ok"],
               rerun_recap["changed"])
        )  # fmt: skip

    def sample_floor(self, round_no):
        for key, path in self.floor_paths.items():
            self.floor[key].append(self.books.play(path)[0])
        log("part 1 round %d: floor: debug-only play %.1f s, one no-op module task %.1f s"
            % (round_no, self.floor["empty"][-1], self.floor["noop"][-1]))  # fmt: skip

    def run_round(self, round_no, runs, deadline):
        """One pass over the variants; False when none of them ran."""
        # Round 1 runs every variant; later rounds go cheapest first, so that the time
        # budget buys the most samples.
        order = [key for key, _label in VARIANTS]
        if round_no > 1:
            order.sort(key=lambda key: self.cost[key])
        ran = False
        for key in order:
            if len(self.samples[key]["first"]) >= runs:
                continue
            if round_no > 1 and deadline and time.monotonic() + self.cost[key] > deadline:
                continue
            ran = True
            self.sample(key, round_no)
        if len(self.floor["empty"]) < runs and (round_no == 1 or not deadline or time.monotonic() + 10 < deadline):
            self.sample_floor(round_no)
        return ran

    def results(self, runs):
        rows = [summarise(key, label, self.samples[key], self.same_config.get(key)) for key, label in VARIANTS]
        floor_rows = [
            {"key": key, "label": self.floor_refs[key][0], "all": values, "median": statistics.median(values)}
            for key, values in self.floor.items()
        ]
        return {
            "rows": rows,
            "counts": liveconfig.counts(self.delta),
            "change": self.delta,
            "runs_target": runs,
            "floor": floor_rows,
        }


def _median(values):
    return statistics.median(values) if values else None


def summarise(key, label, data, same_config):
    """One result row of a variant (the role's row also carries the fast-path-off and rewrite runs)."""
    rewrite = data["rewrite"]
    return {
        "key": key,
        "label": label,
        "n": len(data["first"]),
        "first_median": statistics.median(data["first"]),
        "rerun_median": statistics.median(data["rerun"]),
        "first_all": data["first"],
        "rerun_all": data["rerun"],
        "tasks_first": data["recap_first"][-1]["ok"],
        "tasks_rerun": data["recap_rerun"][-1]["ok"],
        "skipped_rerun": data["recap_rerun"][-1]["skipped"],
        "results_first": data["recap_first"][-1]["results"],
        "results_rerun": data["recap_rerun"][-1]["results"],
        "changed_first": [recap["changed"] for recap in data["recap_first"]],
        "changed_rerun": [recap["changed"] for recap in data["recap_rerun"]],
        "same_config": same_config,
        "full_all": data["full"],
        "full_median": _median(data["full"]),
        "tasks_full": data["recap_full"][-1]["ok"] if data["recap_full"] else None,
        "changed_full": [recap["changed"] for recap in data["recap_full"]],
        "nochange_all": data["nochange"],
        "nochange_median": _median(data["nochange"]),
        "tasks_nochange": data["recap_nochange"][-1]["ok"] if data["recap_nochange"] else None,
        "changed_nochange": [recap["changed"] for recap in data["recap_nochange"]],
        "nochange_plans": sorted(set(data["plan_nochange"])),
        "rewrite_all": [sample["seconds"] for sample in rewrite],
        "rewrite_median": _median([sample["seconds"] for sample in rewrite]),
        "tasks_rewrite": rewrite[-1]["recap"]["ok"] if rewrite else None,
        "changed_rewrite": [sample["recap"]["changed"] for sample in rewrite],
        "rewrite_bytes_changed": [sample["bytes_changed"] for sample in rewrite],
        "rewrite_same_signature": [sample["same_signature"] for sample in rewrite],
        "rewrite_plans": sorted({sample.get("plan") or "-" for sample in rewrite}),
    }


def part1_samples(container, books, prepared, runs, deadline):
    part1 = Part1(container, books, prepared)
    log(
        "part 1: the role changed %(main_cf_set)d main.cf parameters (set) + %(main_cf_removed)d (removed), "
        "%(services)d services (+%(services_removed)d removed), %(overrides_set)d -o overrides set + "
        "%(overrides_removed)d removed" % liveconfig.counts(part1.delta)
    )
    round_no = 1
    while part1.run_round(round_no, runs, deadline):
        round_no += 1
    return part1.results(runs)
