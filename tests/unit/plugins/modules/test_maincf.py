# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import stat
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.mailsec.postfix.plugins.modules import maincf
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

MAIN_CF = """# stock
#myorigin = /etc/mailname
smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no
smtpd_use_tls=yes
smtpd_tls_protocols = !SSLv2,!SSLv3
smtpd_relay_restrictions = permit_mynetworks
    permit_sasl_authenticated defer_unauth_destination
compatibility_level = 3.6
"""
MASTER_CF = "smtp      inet  n       -       y       -       -       smtpd\n"


def postconf_at(path, runner):
    """Pretend postconf is installed at path and answers through runner."""
    return mock.patch.multiple(basic.AnsibleModule, get_bin_path=mock.Mock(return_value=path), run_command=runner)


def run(args, check_mode=False):
    """Run the module's main() with args (tests/module_harness.py); return its result dict."""
    return run_module(maincf.main, args, check_mode=check_mode)


@pytest.fixture
def confdir(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_CF)
    (tmp_path / "master.cf").write_text(MASTER_CF)
    return tmp_path


def content(confdir):
    return (confdir / "main.cf").read_bytes()


SUBMISSION_ONLY_SASL = {
    "smtpd_sasl_auth_enable": False,
    "smtpd_sasl_security_options": ["noanonymous", "noplaintext"],
    "smtpd_sasl_tls_security_options": "noanonymous",
    "smtpd_tls_auth_only": True,
    "smtpd_tls_protocols": ["!SSLv2", "!SSLv3"],
    "smtpd_use_tls": None,
}


def test_sets_params_and_is_idempotent(confdir):
    args = {"config_dir": str(confdir), "params": SUBMISSION_ONLY_SASL, "validate": False}
    result = run(args)
    assert not result["failed"], result
    assert result["changed"] is True
    assert result["changed_params"] == [
        "smtpd_sasl_auth_enable",
        "smtpd_sasl_security_options",
        "smtpd_sasl_tls_security_options",
        "smtpd_tls_auth_only",
        "smtpd_use_tls",
    ]
    text = (confdir / "main.cf").read_text()
    assert "smtpd_use_tls" not in text
    assert text.startswith(MAIN_CF.replace("smtpd_use_tls=yes\n", ""))
    assert text.endswith(
        "smtpd_sasl_auth_enable = no\n"
        "smtpd_sasl_security_options = noanonymous, noplaintext\n"
        "smtpd_sasl_tls_security_options = noanonymous\n"
        "smtpd_tls_auth_only = yes\n"
    )
    assert result["diff"]["before"] == MAIN_CF
    assert result["diff"]["after"] == text
    assert "backup_file" not in result
    again = run(args)
    assert again["changed"] is False
    assert again["changed_params"] == []


def test_check_mode_writes_nothing_but_reports_diff(confdir):
    result = run({"config_dir": str(confdir), "params": {"biff": True}, "validate": False}, check_mode=True)
    assert result["changed"] is True
    assert result["changed_params"] == ["biff"]
    assert "biff = yes\n" in result["diff"]["after"]
    assert result["diff"]["before_header"].endswith("main.cf (before)")
    assert content(confdir) == MAIN_CF.encode()


def test_backup_and_mode(confdir):
    result = run(
        {"config_dir": str(confdir), "params": {"biff": True}, "validate": False, "backup": True, "mode": "0640"}
    )
    assert result["changed"] is True
    assert os.path.exists(result["backup_file"])
    with open(result["backup_file"], "rb") as handle:
        assert handle.read() == MAIN_CF.encode()
    assert stat.S_IMODE(os.stat(confdir / "main.cf").st_mode) == 0o640
    assert [p for p in os.listdir(confdir) if p.startswith(".mailsec-")] == []


def test_mode_only_change_is_reported(confdir):
    os.chmod(confdir / "main.cf", 0o644)
    result = run({"config_dir": str(confdir), "params": {"biff": False}, "validate": False, "mode": "0600"})
    assert result["changed"] is True
    assert result["changed_params"] == []
    assert content(confdir) == MAIN_CF.encode()


def test_write_keeps_existing_mode(confdir):
    os.chmod(confdir / "main.cf", 0o600)
    run({"config_dir": str(confdir), "params": {"biff": True}, "validate": False})
    assert stat.S_IMODE(os.stat(confdir / "main.cf").st_mode) == 0o600


def test_duplicates_are_reported(confdir):
    (confdir / "main.cf").write_text(MAIN_CF + "biff = yes\n")
    result = run({"config_dir": str(confdir), "params": {"biff": "yes"}, "validate": False})
    assert result["changed"] is True
    assert result["changed_params"] == []
    assert result["removed_duplicates"] == ["biff"]
    assert (confdir / "main.cf").read_text().count("biff") == 1


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"smtpd-tls-protocols": "x"}, "smtpd-tls-protocols"),
        ({"smtpd_banner": "two\nlines"}, "smtpd_banner"),
        ({"smtpd_banner": "nul\x00"}, "smtpd_banner"),
        ({"smtpd_banner": {"nested": 1}}, "smtpd_banner"),
        ("not a dict", "params"),
        (["a", "b"], "params"),
    ],
)
def test_bad_input_fails_and_leaves_file_alone(confdir, params, needle):
    result = run({"config_dir": str(confdir), "params": params, "validate": False})
    assert result["failed"]
    assert needle in result["msg"]
    assert content(confdir) == MAIN_CF.encode()


def test_missing_config_dir(tmp_path):
    result = run({"config_dir": str(tmp_path / "nope"), "params": {"biff": True}})
    assert result["failed"]
    assert "config_dir" in result["msg"]
    assert str(tmp_path / "nope") in result["msg"]


def test_missing_main_cf(tmp_path):
    result = run({"config_dir": str(tmp_path), "params": {"biff": True}})
    assert result["failed"]
    assert "main.cf not found" in result["msg"]
    assert not (tmp_path / "main.cf").exists()


def fake_postconf(stderr, rc=0):
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(args)
        stage = args[2]
        assert os.path.exists(os.path.join(stage, "main.cf"))
        return rc, "", stderr.replace("STAGE", stage)

    return calls, run_command


def test_unknown_parameter_is_rejected(confdir):
    calls, runner = fake_postconf("postconf: warning: STAGE/main.cf: unused parameter: smtpd_tls_protocol=TLSv1.2\n")
    with postconf_at("/usr/sbin/postconf", runner):
        result = run({"config_dir": str(confdir), "params": {"smtpd_tls_protocol": "TLSv1.2"}})
    assert result["failed"]
    assert "smtpd_tls_protocol" in result["msg"]
    assert "allow_unknown" in result["msg"]
    assert "%s/main.cf" % confdir in result["msg"]
    assert calls[0][1:2] == ["-c"] and calls[0][3:] == ["-n"]
    assert content(confdir) == MAIN_CF.encode()
    with postconf_at("/usr/sbin/postconf", runner):
        allowed = run(
            {
                "config_dir": str(confdir),
                "params": {"smtpd_tls_protocol": "TLSv1.2"},
                "allow_unknown": ["smtpd_tls_protocol"],
            }
        )
    assert allowed["changed"] is True


def test_postconf_fatal_fails(confdir):
    _calls, runner = fake_postconf("postconf: fatal: STAGE/main.cf: bad thing\n", rc=1)
    with postconf_at("/usr/sbin/postconf", runner):
        result = run({"config_dir": str(confdir), "params": {"biff": True}})
    assert result["failed"]
    assert "bad thing" in result["msg"]
    assert content(confdir) == MAIN_CF.encode()


def test_missing_postconf_warns_and_skips(confdir):
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", return_value=None):
        result = run({"config_dir": str(confdir), "params": {"biff": True}})
    assert result["changed"] is True
    assert any("not validated" in w for w in ansible_warnings.get_warning_messages())
