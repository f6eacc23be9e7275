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
