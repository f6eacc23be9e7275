# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mastercf against the real Postfix: postconf -M/-P must show exactly what was set."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.mailsec.postfix.plugins.modules import mastercf
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

POSTCONF = "/usr/sbin/postconf"
pytestmark = pytest.mark.skipif(not os.path.exists(POSTCONF), reason="Postfix (postconf) is not installed")

STOCK_MAIN = next(p for p in ("/etc/postfix/main.cf", "/usr/share/postfix/main.cf.debian") if os.path.exists(p))
STOCK_MASTER = "/etc/postfix/master.cf"


def run(args, check_mode=False):
    """Run the module's main() with args (tests/module_harness.py); return its result dict."""
    return run_module(mastercf.main, args, check_mode=check_mode)


def postconf(confdir, *args):
    out = subprocess.run([POSTCONF, "-c", str(confdir), *args], capture_output=True, text=True, check=True)
    return out.stdout


def service_fields(confdir, key):
    return postconf(confdir, "-M", key).split()[:8]


def override(confdir, key):
    out = postconf(confdir, "-P", key).strip()
    return out.partition(" = ")[2] if " = " in out else out.partition(" =")[2]


@pytest.fixture
def confdir(tmp_path):
    shutil.copy(STOCK_MAIN, tmp_path / "main.cf")
    shutil.copy(STOCK_MASTER, tmp_path / "master.cf")
    return tmp_path


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
        "smtpd_tls_auth_only": True,
        "smtpd_client_restrictions": ["permit_sasl_authenticated", "reject"],
        "smtpd_relay_restrictions": "permit_sasl_authenticated, reject",
        "milter_macro_daemon_name": "ORIGINATING",
    },
}
SUBMISSIONS = {
    "name": "submissions",
    "type": "inet",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {
        "syslog_name": "postfix/submissions",
        "smtpd_tls_wrappermode": True,
        "smtpd_sasl_auth_enable": True,
        "smtpd_client_restrictions": ["permit_sasl_authenticated", "reject"],
    },
}


def test_services_and_overrides_as_postfix_reads_them(confdir):
    result = run({"config_dir": str(confdir), "services": [SUBMISSION, SUBMISSIONS]})
    assert not result["failed"], result
    assert result["changed_services"] == ["submission/inet", "submissions/inet"]
    assert service_fields(confdir, "submission/inet") == ["submission", "inet", "n", "-", "y", "-", "-", "smtpd"]
    assert service_fields(confdir, "submissions/inet") == ["submissions", "inet", "n", "-", "y", "-", "-", "smtpd"]
    assert override(confdir, "submission/inet/smtpd_client_restrictions") == "permit_sasl_authenticated, reject"
    assert override(confdir, "submission/inet/smtpd_relay_restrictions") == "permit_sasl_authenticated, reject"
    assert override(confdir, "submission/inet/smtpd_tls_security_level") == "encrypt"
    assert override(confdir, "submission/inet/smtpd_sasl_auth_enable") == "yes"
    assert override(confdir, "submissions/inet/smtpd_tls_wrappermode") == "yes"
    listed = {line.split(" = ")[0] for line in postconf(confdir, "-P").splitlines()}
    assert {k for k in listed if k.startswith("submission/")} == {
        "submission/inet/" + name for name in SUBMISSION["options"]
    }
    assert {k for k in listed if k.startswith("submissions/")} == {
        "submissions/inet/" + name for name in SUBMISSIONS["options"]
    }
    stderr = subprocess.run([POSTCONF, "-c", str(confdir), "-M"], capture_output=True, text=True, check=False).stderr
    assert "warning" not in stderr
    again = run({"config_dir": str(confdir), "services": [SUBMISSION, SUBMISSIONS]})
    assert again["changed"] is False


def test_change_one_override_and_exact_mode(confdir):
    run({"config_dir": str(confdir), "services": [SUBMISSION]})
    result = run({"config_dir": str(confdir), "services": [dict(SUBMISSION, options={"syslog_name": "postfix/587"})]})
    assert result["changed_services"] == ["submission/inet"]
    assert override(confdir, "submission/inet/syslog_name") == "postfix/587"
    assert override(confdir, "submission/inet/smtpd_tls_security_level") == "encrypt"
    exact = dict(SUBMISSION, options={"syslog_name": "postfix/587"}, options_mode="exact")
    run({"config_dir": str(confdir), "services": [exact]})
    assert [line for line in postconf(confdir, "-P").splitlines() if line.startswith("submission/")] == [
        "submission/inet/syslog_name = postfix/587"
    ]


def test_unknown_option_is_rejected_by_postfix(confdir):
    original = (confdir / "master.cf").read_bytes()
    service = dict(SUBMISSION, options={"smtpd_tls_securty_level": "encrypt"})
    result = run({"config_dir": str(confdir), "services": [service]})
    assert result["failed"]
    assert "service submission/inet" in result["msg"]
    assert "smtpd_tls_securty_level" in result["msg"]
    assert (confdir / "master.cf").read_bytes() == original


def test_removal_and_check_mode(confdir):
    original = (confdir / "master.cf").read_bytes()
    result = run({"config_dir": str(confdir), "services": [{"name": "relay", "type": "unix", "state": "absent"}]}, True)
    assert result["changed"] is True
    assert (confdir / "master.cf").read_bytes() == original
    run({"config_dir": str(confdir), "services": [{"name": "relay", "type": "unix", "state": "absent"}]})
    assert "relay" not in postconf(confdir, "-M")
    assert "smtp/unix" in " ".join(
        line.split()[0] + "/" + line.split()[1] for line in postconf(confdir, "-M").splitlines()
    )
