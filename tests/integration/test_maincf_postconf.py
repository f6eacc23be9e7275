# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""maincf against the real Postfix: postconf -n must report exactly what was set."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.mailsec.postfix.plugins.modules import maincf
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

POSTCONF = "/usr/sbin/postconf"
POSTFIX = "/usr/sbin/postfix"
pytestmark = pytest.mark.skipif(not os.path.exists(POSTCONF), reason="Postfix (postconf) is not installed")

# Debian's stock main.cf lives in /etc/postfix once configured; a package
# installed with "No configuration" only ships the template.
STOCK_MAIN = next(p for p in ("/etc/postfix/main.cf", "/usr/share/postfix/main.cf.debian") if os.path.exists(p))
STOCK_MASTER = "/etc/postfix/master.cf"


def run(args, check_mode=False):
    """Run the module's main() with args (tests/module_harness.py); return its result dict."""
    return run_module(maincf.main, args, check_mode=check_mode)


def postconf(confdir, *args):
    out = subprocess.run([POSTCONF, "-c", str(confdir), *args], capture_output=True, text=True, check=True)
    return out.stdout, out.stderr


def postconf_n(confdir):
    values = {}
    for line in postconf(confdir, "-n")[0].splitlines():
        name, _sep, value = line.partition(" = ")
        values[name] = value
    values.pop("config_directory", None)
    return values


@pytest.fixture
def confdir(tmp_path):
    shutil.copy(STOCK_MAIN, tmp_path / "main.cf")
    shutil.copy(STOCK_MASTER, tmp_path / "master.cf")
    return tmp_path


PARAMS = {
    "smtpd_tls_security_level": "may",
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    "smtpd_tls_exclude_ciphers": ["aNULL", "eNULL"],
    "smtpd_sasl_auth_enable": False,
    "smtpd_sasl_security_options": ["noanonymous", "noplaintext"],
    "smtpd_sasl_tls_security_options": "noanonymous",
    "smtpd_tls_auth_only": True,
    "smtpd_tls_loglevel": 1,
    "tls_ssl_options": ["NO_RENEGOTIATION", "NO_COMPRESSION"],
    "smtpd_banner": "$myhostname   ESMTP",
    "biff": None,
}
EXPECTED = {
    "smtpd_tls_security_level": "may",
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    "smtpd_tls_exclude_ciphers": "aNULL, eNULL",
    "smtpd_sasl_auth_enable": "no",
    "smtpd_sasl_security_options": "noanonymous, noplaintext",
    "smtpd_sasl_tls_security_options": "noanonymous",
    "smtpd_tls_auth_only": "yes",
    "smtpd_tls_loglevel": "1",
    "tls_ssl_options": "NO_RENEGOTIATION, NO_COMPRESSION",
    # postconf -n prints values with whitespace runs folded.
    "smtpd_banner": "$myhostname ESMTP",
}


def test_postconf_reports_exactly_the_requested_values(confdir):
    before = postconf_n(confdir)
    result = run({"config_dir": str(confdir), "params": PARAMS})
    assert not result["failed"], result
    after = postconf_n(confdir)
    expected = {k: v for k, v in before.items() if k not in PARAMS}
    expected.update(EXPECTED)
    assert after == expected
    _out, err = postconf(confdir, "-n")
    assert "warning" not in err
    again = run({"config_dir": str(confdir), "params": PARAMS})
    assert again["changed"] is False


def test_postfix_check_passes(confdir):
    run({"config_dir": str(confdir), "params": PARAMS})
    if os.access(POSTFIX, os.X_OK) and os.geteuid() == 0:
        # postfix check also inspects queue directories; point it at a private one.
        queue = confdir / "queue"
        queue.mkdir()
        data = confdir / "data"
        data.mkdir()
        run({"config_dir": str(confdir), "params": {"queue_directory": str(queue), "data_directory": str(data)}})
        check = subprocess.run([POSTFIX, "-c", str(confdir), "check"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr


def test_typo_is_rejected_by_postfix_and_file_untouched(confdir):
    original = (confdir / "main.cf").read_bytes()
    result = run({"config_dir": str(confdir), "params": {"smtpd_tls_protocol": ">=TLSv1.2", "biff": True}})
    assert result["failed"]
    assert "smtpd_tls_protocol" in result["msg"]
    assert "unused parameter" in result["msg"]
    assert (confdir / "main.cf").read_bytes() == original


def test_allow_unknown_for_user_defined_parameter(confdir):
    result = run(
        {
            "config_dir": str(confdir),
            "params": {"mua_client_restrictions": ["permit_sasl_authenticated", "reject"]},
            "allow_unknown": ["mua_client_restrictions"],
        }
    )
    assert result["changed"] is True
    assert "mua_client_restrictions = permit_sasl_authenticated, reject\n" in (confdir / "main.cf").read_text()


def test_check_mode_leaves_postconf_view_unchanged(confdir):
    before = postconf_n(confdir)
    original = (confdir / "main.cf").read_bytes()
    result = run({"config_dir": str(confdir), "params": PARAMS}, check_mode=True)
    assert result["changed"] is True
    assert (confdir / "main.cf").read_bytes() == original
    assert postconf_n(confdir) == before
