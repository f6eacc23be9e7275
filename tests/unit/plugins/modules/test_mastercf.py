# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.mailsec.postfix.plugins.modules import mastercf
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

MASTER_CF = """# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
#  -o smtpd_tls_security_level=encrypt
pickup    unix  n       -       y       60      1       pickup
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
"""

SUBMISSION = {
    "name": "submission",
    "type": "inet",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {
        "syslog_name": "postfix/submission",
        "smtpd_tls_security_level": "encrypt",
        "smtpd_sasl_auth_enable": True,
        "smtpd_client_restrictions": ["permit_sasl_authenticated", "reject"],
    },
}


def postconf_at(path, runner):
    """Pretend postconf is installed at path and answers through runner."""
    return mock.patch.multiple(basic.AnsibleModule, get_bin_path=mock.Mock(return_value=path), run_command=runner)


def run(args, check_mode=False):
    """Run the module's main() with args (tests/module_harness.py); return its result dict."""
    return run_module(mastercf.main, args, check_mode=check_mode)


@pytest.fixture
def confdir(tmp_path):
    (tmp_path / "main.cf").write_text("compatibility_level = 3.6\n")
    (tmp_path / "master.cf").write_text(MASTER_CF)
    return tmp_path


def content(confdir):
    return (confdir / "master.cf").read_bytes()


def test_adds_service_after_template_and_is_idempotent(confdir):
    args = {"config_dir": str(confdir), "services": [SUBMISSION], "validate": False}
    result = run(args)
    assert not result["failed"], result
    assert result["changed"] is True
    assert result["changed_services"] == ["submission/inet"]
    text = (confdir / "master.cf").read_text()
    assert (
        "#  -o smtpd_tls_security_level=encrypt\n"
        "submission inet  n       -       y       -       -       smtpd\n"
        "  -o syslog_name=postfix/submission\n"
        "  -o smtpd_tls_security_level=encrypt\n"
        "  -o smtpd_sasl_auth_enable=yes\n"
        "  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
        "pickup "
    ) in text
    assert result["diff"]["before"] == MASTER_CF
    assert result["diff"]["after"] == text
    again = run(args)
    assert again["changed"] is False
    assert again["changed_services"] == []


def test_check_mode_writes_nothing_but_reports_diff(confdir):
    result = run({"config_dir": str(confdir), "services": [SUBMISSION], "validate": False}, check_mode=True)
    assert result["changed"] is True
    assert "submission inet" in result["diff"]["after"]
    assert content(confdir) == MASTER_CF.encode()


def test_change_one_override_and_exact_mode(confdir):
    run({"config_dir": str(confdir), "services": [SUBMISSION], "validate": False})
    before = (confdir / "master.cf").read_text()
    changed = dict(SUBMISSION, options={"smtpd_tls_security_level": "may"})
    result = run({"config_dir": str(confdir), "services": [changed], "validate": False})
    after = (confdir / "master.cf").read_text()
    assert result["changed_services"] == ["submission/inet"]
    diff = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert diff == [("  -o smtpd_tls_security_level=encrypt", "  -o smtpd_tls_security_level=may")]
    exact = dict(changed, options_mode="exact")
    run({"config_dir": str(confdir), "services": [exact], "validate": False})
    text = (confdir / "master.cf").read_text()
    assert "smtpd\n  -o smtpd_tls_security_level=may\npickup" in text


def test_backup_and_absent(confdir):
    result = run(
        {
            "config_dir": str(confdir),
            "services": [{"name": "relay", "type": "unix", "state": "absent"}],
            "validate": False,
            "backup": True,
        }
    )
    assert result["changed_services"] == ["relay/unix"]
    with open(result["backup_file"], "rb") as handle:
        assert handle.read() == MASTER_CF.encode()
    assert "relay" not in (confdir / "master.cf").read_text()


@pytest.mark.parametrize(
    ("service", "needle"),
    [
        ({"name": "submission", "type": "tcp", "command": "smtpd"}, "service submission/tcp: unknown type"),
        ({"name": "submission"}, "service submission/inet: command is required"),
        ({"name": "submission", "command": "smtpd", "options": {"smtpd-x": "1"}}, "service submission/inet: option"),
        ({"name": "submission", "command": "smtpd", "options": {"a": "x\ny"}}, "service submission/inet: value of a"),
        ({"name": "submission", "command": "smtpd", "options": {"a": "\x00"}}, "service submission/inet: value of a"),
        (
            {"name": "submission", "command": "smtpd", "options": {"a": "{ x"}},
            "service submission/inet: value of option a",
        ),
        (
            {"name": "submission", "command": "smtpd", "options": {"a": "x }"}},
            "service submission/inet: value of option a",
        ),
        ({"name": "submission", "command": "smtpd", "wakeup": "soon"}, "service submission/inet: invalid wakeup"),
    ],
)
def test_bad_input_fails_and_leaves_file_alone(confdir, service, needle):
    result = run({"config_dir": str(confdir), "services": [service], "validate": False})
    assert result["failed"]
    assert needle in result["msg"]
    assert content(confdir) == MASTER_CF.encode()


def test_duplicate_in_task(confdir):
    result = run(
        {
            "config_dir": str(confdir),
            "services": [SUBMISSION, {"name": "submission", "options": {"a": 1}}],
            "validate": False,
        }
    )
    assert result["failed"]
    assert "service submission/inet is listed more than once" in result["msg"]
    assert content(confdir) == MASTER_CF.encode()


def test_orphaned_override_fails(confdir):
    broken = MASTER_CF.replace("#  -o smtpd_tls_security_level=encrypt", "  -o smtpd_tls_security_level=encrypt")
    (confdir / "master.cf").write_text(broken)
    result = run(
        {
            "config_dir": str(confdir),
            "services": [{"name": "pickup", "type": "unix", "maxproc": "2"}],
            "validate": False,
        }
    )
    assert result["failed"]
    assert "commented-out service 'submission inet'" in result["msg"]
    assert "smtp/inet" in result["msg"]
    assert content(confdir) == broken.encode()


def test_missing_files(tmp_path):
    result = run({"config_dir": str(tmp_path / "nope"), "services": [SUBMISSION]})
    assert result["failed"]
    assert "config_dir" in result["msg"]
    result = run({"config_dir": str(tmp_path), "services": [SUBMISSION]})
    assert result["failed"]
    assert "master.cf not found" in result["msg"]


def test_unknown_option_is_rejected_naming_the_service(confdir):
    def run_command(self, args, **kwargs):
        stage = args[2]
        with open(os.path.join(stage, "master.cf")) as handle:
            staged = handle.read()
        if "smtpd_tls_securty_level" in staged:
            return 0, "", "postconf: warning: %s/master.cf: unused parameter: smtpd_tls_securty_level=encrypt\n" % stage
        return 0, "", ""

    service = dict(SUBMISSION, options={"smtpd_tls_securty_level": "encrypt"})
    with postconf_at("/usr/sbin/postconf", run_command):
        result = run({"config_dir": str(confdir), "services": [service]})
    assert result["failed"]
    assert "service submission/inet: option smtpd_tls_securty_level is not a Postfix parameter" in result["msg"]
    assert content(confdir) == MASTER_CF.encode()


def test_missing_postconf_warns_and_skips(confdir):
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", return_value=None):
        result = run({"config_dir": str(confdir), "services": [SUBMISSION]})
    assert result["changed"] is True
    assert any("not validated" in w for w in ansible_warnings.get_warning_messages())
