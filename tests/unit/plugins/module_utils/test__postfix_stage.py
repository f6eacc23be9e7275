# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Staging: what postconf sees in the temporary directory."""

import os
import time

from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_stage


def test_staged_files_are_old_enough_for_postfix_to_read_at_once():
    """Postfix re-reads (300 ms dozes) a file modified less than two seconds ago; staged files are dated back."""
    seen = {}

    def runner(args):
        stage = args[2]
        for name in os.listdir(stage):
            path = os.path.join(stage, name)
            with open(path) as handle:
                seen[name] = (handle.read(), time.time() - os.stat(path).st_mtime)
        return 0, "", "postconf: warning: %s/main.cf: unused parameter: foo=bar\n" % stage

    result = _postfix_stage.run_staged(
        "/usr/sbin/postconf", {"main.cf": "a = b\n", "master.cf": None}, [["-n"]], runner, shown_dir="/etc/postfix"
    )
    assert seen["main.cf"][0] == "a = b\n"
    assert seen["main.cf"][1] >= 2
    assert "master.cf" not in seen
    assert result.runs[0].warnings == ["/etc/postfix/main.cf: unused parameter: foo=bar"]
    assert not os.path.exists(result.runs[0].args[2])


def test_without_postconf_nothing_is_staged():
    assert _postfix_stage.run_staged(None, {"main.cf": "x"}, [["-n"]], None).available is False


def test_stage_keeps_foreign_bytes_and_is_removed(tmp_path):
    seen = {}

    def runner(args):
        stage = args[2]
        with open(os.path.join(stage, "main.cf"), "rb") as handle:
            seen["bytes"] = handle.read()
        seen["stage"] = stage
        return 0, "", ""

    text = b"# K\xe4se\nbiff = no\n".decode("utf-8", "surrogateescape")
    _postfix_stage.run_staged("/usr/sbin/postconf", {"main.cf": text}, [["-n"]], runner, tmp_parent=str(tmp_path))
    assert seen["bytes"] == b"# K\xe4se\nbiff = no\n"
    assert os.path.basename(seen["stage"]).startswith("mailsec-postfix-stage-%d-" % os.getpid())
    assert not os.path.exists(seen["stage"])


def test_stage_of_a_dead_process_is_removed_and_a_live_one_kept(tmp_path):
    dead = tmp_path / ("mailsec-postfix-stage-%d-abc" % (2**22 + 4321))
    dead.mkdir()
    alive = tmp_path / ("mailsec-postfix-stage-%d-abc" % os.getppid())
    alive.mkdir()
    old_style = tmp_path / "mailsec-postfix-stage-zz9abc"
    old_style.mkdir()
    stamp = time.time() - 3600
    os.utime(old_style, (stamp, stamp))
    _postfix_stage.remove_stage_leftovers(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == [alive.name]


def test_runs_stop_at_the_first_failure_and_postfix_check_runs_last(tmp_path):
    calls = []

    def runner(args):
        calls.append(args[3:])
        return (1, "", "postconf: fatal: bad\n") if args[3:] == ["-x"] else (0, "", "")

    result = _postfix_stage.run_staged(
        "/pc", {"main.cf": "a = b\n"}, [["-n"]], runner, tmp_parent=str(tmp_path), postfix_path="/pf"
    )
    assert calls == [["-n"], ["check"]]
    assert result.runs[-1].args[0] == "/pf"
    calls.clear()
    result = _postfix_stage.run_staged(
        "/pc", {"main.cf": "a = b\n"}, [["-x"], ["-n"]], runner, tmp_parent=str(tmp_path), postfix_path="/pf"
    )
    assert calls == [["-x"]]
    assert _postfix_stage.first_failed(result).stderr == "postconf: fatal: bad\n"
