# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""postfix_config without Postfix: arguments, lock order, check mode, restore of a half-applied pair."""

import contextlib
import os
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.mailsec.postfix.plugins.module_utils import _filewrite, _postfix_stage, _transaction
from ansible_collections.mailsec.postfix.plugins.modules import mastercf, postfix_config
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

MAIN_CF = "# stock\nbiff = no\nsmtp_sasl_password_maps = static:user:OldSecret\n"
MASTER_CF = "smtp      inet  n       -       y       -       -       smtpd\n"
SUBMISSION = {"name": "submission", "command": "smtpd", "options": {"syslog_name": "postfix/submission"}}


@pytest.fixture
def confdir(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_CF)
    (tmp_path / "master.cf").write_text(MASTER_CF)
    return tmp_path


def snapshot(confdir):
    return {name: (confdir / name).read_bytes() for name in ("main.cf", "master.cf")}


def run(confdir, check_mode=False, **args):
    payload = dict({"config_dir": str(confdir), "validate": False}, **args)
    return run_module(postfix_config.main, payload, check_mode=check_mode)


def test_pair_edit_returns_both_diffs_and_is_idempotent(confdir):
    result = run(confdir, params={"biff": False, "delay_warning_time": "4h"}, services=[SUBMISSION])
    assert not result["failed"], result
    assert result["changed"] is True
    assert result["changed_params"] == ["delay_warning_time"]
    assert result["changed_services"] == ["submission/inet"]
    assert [d["after_header"] for d in result["diff"]] == [
        "%s (after)" % (confdir / "main.cf"),
        "%s (after)" % (confdir / "master.cf"),
    ]
    assert "delay_warning_time = 4h" in (confdir / "main.cf").read_text()
    assert "syslog_name=postfix/submission" in (confdir / "master.cf").read_text()
    assert "OldSecret" not in repr(result)
    again = run(confdir, params={"biff": False, "delay_warning_time": "4h"}, services=[SUBMISSION])
    assert again["changed"] is False


def test_only_services_leaves_main_cf_alone(confdir):
    result = run(confdir, services=[SUBMISSION])
    assert result["changed"] is True
    assert result["changed_params"] == []
    assert result["diff"][0]["before"] == result["diff"][0]["after"]
    assert (confdir / "main.cf").read_text() == MAIN_CF


def test_check_mode_takes_no_lock_and_writes_nothing(confdir):
    before = snapshot(confdir)
    result = run(confdir, check_mode=True, params={"biff": True}, services=[SUBMISSION])
    assert result["changed"] is True
    assert "biff = yes" in result["diff"][0]["after"]
    assert snapshot(confdir) == before
    assert sorted(os.listdir(confdir)) == ["main.cf", "master.cf"]


def test_locks_main_cf_before_master_cf(confdir):
    order = []
    real_locked = _filewrite.locked

    @contextlib.contextmanager
    def recording(module, path, *args, **kwargs):
        order.append(os.path.basename(path))
        with real_locked(module, path, *args, **kwargs) as lock:
            yield lock

    with mock.patch.object(_filewrite, "locked", recording):
        run(confdir, services=[SUBMISSION], params={"biff": True})
    assert order == ["main.cf", "master.cf"]


def test_bad_input_in_either_file_changes_neither(confdir):
    before = snapshot(confdir)
    result = run(confdir, params={"biff": True}, services=[{"name": "submission", "options": {"x": 1}}])
    assert result["failed"]
    assert "submission/inet" in result["msg"] and "command is required" in result["msg"]
    assert snapshot(confdir) == before
    result = run(confdir, params={"bad name": 1}, services=[SUBMISSION])
    assert result["failed"]
    assert snapshot(confdir) == before


def test_typed_value_errors_name_the_parameter_and_the_service(confdir):
    before = snapshot(confdir)
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", return_value=None):
        result = run(confdir, validate=True, params={"smtpd_tls_auth_only": "maybe"}, services=[SUBMISSION])
        assert result["failed"]
        assert result["invalid_params"] == ["smtpd_tls_auth_only"]
        assert result["msg"].startswith("neither file was changed")
        bad = dict(SUBMISSION, options={"smtpd_tls_security_level": "encrypted"})
        result = run(confdir, validate=True, params={"biff": True}, services=[bad])
        assert result["failed"]
        assert result["invalid_options"] == ["submission/inet/smtpd_tls_security_level"]
    assert snapshot(confdir) == before


def _failing_second_write(real_write, name):
    def write_file(module, path, content, backup=False):
        if os.path.basename(path) == name:
            module.fail_json(msg="Could not replace %s: simulated; it is unchanged" % path)
        return real_write(module, path, content, backup)

    return write_file


def test_failed_second_write_restores_the_first_file_and_says_so(confdir):
    before = snapshot(confdir)
    inode = os.stat(confdir / "main.cf").st_ino
    with mock.patch.object(_filewrite, "write_file", _failing_second_write(_filewrite.write_file, "master.cf")):
        result = run(confdir, params={"biff": True}, services=[SUBMISSION])
    assert result["failed"]
    assert "main.cf restored to its previous content" in result["msg"]
    assert snapshot(confdir) == before
    assert os.stat(confdir / "main.cf").st_ino == inode
    assert sorted(os.listdir(confdir)) == ["main.cf", "master.cf"]


def test_interrupt_between_the_renames_restores_the_first_file(confdir):
    before = snapshot(confdir)
    real_write = _filewrite.write_file

    def write_file(module, path, content, backup=False):
        if os.path.basename(path) == "master.cf":
            raise SystemExit(143)  # SIGTERM, as exit_cleanly_on_sigterm turns it
        return real_write(module, path, content, backup)

    with mock.patch.object(_filewrite, "write_file", write_file), pytest.raises(SystemExit):
        run(confdir, params={"biff": True}, services=[SUBMISSION])
    assert snapshot(confdir) == before


def test_restore_after_an_in_place_first_write(confdir):
    """With unsafe_writes the first file may have been written in place: it is rewritten, not relinked."""
    before = snapshot(confdir)
    real_rename = os.rename

    def rename(src, dst):
        if os.path.basename(str(dst)) == "main.cf":
            raise PermissionError(13, "Permission denied (simulated bind mount)")
        return real_rename(src, dst)

    with mock.patch.object(os, "rename", rename), mock.patch.object(
        _filewrite, "write_file", _failing_second_write(_filewrite.write_file, "master.cf")
    ):
        result = run(confdir, params={"biff": True}, services=[SUBMISSION], unsafe_writes=True)
    assert result["failed"]
    assert "main.cf restored" in result["msg"]
    assert snapshot(confdir) == before


def test_kept_link_of_a_killed_run_is_removed_under_the_lock(confdir):
    leftover = confdir / ".mailsec-keep-main.cf-deadbeef"
    os.link(confdir / "main.cf", leftover)
    run(confdir, params={"biff": True})
    assert not leftover.exists()


def test_backup_files_per_changed_file(confdir):
    result = run(confdir, params={"biff": True}, services=[SUBMISSION], backup=True)
    assert set(result["backup_files"]) == {"main.cf", "master.cf"}
    result = run(confdir, params={"biff": False}, backup=True)
    assert set(result["backup_files"]) == {"main.cf"}


def test_missing_master_cf_fails_before_anything(confdir):
    os.remove(confdir / "master.cf")
    result = run(confdir, params={"biff": True})
    assert result["failed"]
    assert "master.cf not found" in result["msg"]
    assert (confdir / "main.cf").read_text() == MAIN_CF


def test_service_spec_is_shared_with_mastercf():
    assert mastercf._transaction.SERVICE_SPEC is _transaction.SERVICE_SPEC


def test_stage_made_just_before_a_sigterm_is_removed(tmp_path):
    """SIGTERM between mkdtemp's mkdir and its return leaves no stage directory behind."""
    real_mkdtemp = _postfix_stage.tempfile.mkdtemp

    def mkdtemp_then_sigterm(*args, **kwargs):
        real_mkdtemp(*args, **kwargs)
        raise SystemExit(143)

    with mock.patch.object(_postfix_stage.tempfile, "mkdtemp", mkdtemp_then_sigterm), pytest.raises(SystemExit):
        _postfix_stage.run_staged("/usr/sbin/postconf", {"main.cf": ""}, [["-n"]], None, tmp_parent=str(tmp_path))
    assert os.listdir(tmp_path) == []
