# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""submission_without_sender_binding (issue 19) and postscreen, against the real postconf.

A private configuration directory holds Debian's stock main.cf/master.cf plus the role's
submission/submissions services, with and without the sender binding the role adds
(-o smtpd_sender_login_maps=... -o smtpd_sender_restrictions=reject_sender_login_mismatch).
With postscreen in front of port 25, the smtpd that takes its clients is the "smtpd pass"
service: its -o overrides, not the postscreen line's, decide what the audit reports.
"""

import importlib.util
import os
import re
import shutil

import pytest

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings

_spec = importlib.util.spec_from_file_location(
    "postfix_info_real", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_postfix_info_real.py")
)
real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real)

pytestmark = pytest.mark.skipif(not os.path.exists(real.POSTCONF), reason="Postfix (postconf) is not installed")

FID = "submission_without_sender_binding"
# The role's submission overrides (tasks/config.yml, plugin_utils/_baseline.py), one -o per line.
SUBMISSION_OPTIONS = """\
  -o syslog_name=postfix/{name}
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
"""
BINDING = """\
  -o smtpd_sender_login_maps=hash:{conf}/sender_logins
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
"""
HARDENED_MAIN = """
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = no
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_exclude_ciphers = aNULL, eNULL
disable_vrfy_command = yes
"""


@pytest.fixture
def write(tmp_path):
    conf = tmp_path / "postfix"
    conf.mkdir()
    cert, key = real._make_cert(str(tmp_path), "mx")

    def _write(main="", master="", smtp_line=None):
        text = real._stock_debian_main("mx.example.org", cert, key) + HARDENED_MAIN + main
        (conf / "main.cf").write_text(text)
        shutil.copy(real.DEBIAN_MASTER, str(conf / "master.cf"))
        stock = (conf / "master.cf").read_text()
        if smtp_line is not None:
            stock = re.sub(r"(?m)^smtp\s+inet\s.*$", smtp_line, stock, count=1)
        (conf / "master.cf").write_text(stock + master.replace("{conf}", str(conf)))
        return str(conf)

    return _write


def submission(binding=False, extra=""):
    out = ""
    for name, head in (("submission", ""), ("submissions", "  -o smtpd_tls_wrappermode=yes\n")):
        out += "%s inet n - y - - smtpd\n" % name + head + SUBMISSION_OPTIONS.format(name=name)
        out += (BINDING if binding else "") + extra
    return out


def audit(monkeypatch, conf):
    result = real.run_module(monkeypatch, {"config_dir": conf, "inspect_certificates": False})
    assert not result.get("failed"), result
    return result["postfix_info"]


def hits(info, profile):
    return sorted((f["severity"], f["service"]) for f in tls_findings(info, profile=profile) if f["id"] == FID)


def test_submission_listeners_without_and_with_sender_binding(monkeypatch, write):
    info = audit(monkeypatch, write(master=submission()))
    by_name = {lst["service"]: lst for lst in info["listeners"]}
    assert by_name["submission"]["sender_login_maps"] == "" and by_name["submission"]["sender_restrictions"] == []
    assert hits(info, "interop") == hits(info, "intermediate") == [("info", "submission"), ("info", "submissions")]
    assert hits(info, "modern") == [("low", "submission"), ("low", "submissions")]
    fix = next(f["fix"] for f in tls_findings(info) if f["id"] == FID and f["service"] == "submission")
    table = "%s:%s/sender_logins" % ("lmdb" if "lmdb" in info["map_types"] else "hash", info["config_dir"])
    assert fix.startswith("master.cf service submission/inet: -o smtpd_sender_login_maps=%s " % table)

    conf = write(master=submission(binding=True))
    info = audit(monkeypatch, conf)
    sub = {lst["service"]: lst for lst in info["listeners"]}["submissions"]
    assert sub["sender_login_maps"] == "hash:%s/sender_logins" % conf
    assert sub["sender_restrictions"] == ["reject_sender_login_mismatch"]
    for profile in ("interop", "intermediate", "modern"):
        assert hits(info, profile) == [], profile


def test_main_cf_table_and_a_named_restriction_list(monkeypatch, write):
    main = (
        "smtpd_sender_login_maps = hash:/etc/postfix/sender_logins\n"
        "mua_sender_restrictions = reject_authenticated_sender_login_mismatch, permit_sasl_authenticated, reject\n"
    )
    extra = "  -o smtpd_sender_restrictions=$mua_sender_restrictions\n"
    info = audit(monkeypatch, write(main, submission(extra=extra)))
    assert hits(info, "modern") == []
    # the same check behind permit_sasl_authenticated never runs for authenticated clients
    main = main.replace(
        "reject_authenticated_sender_login_mismatch, permit_sasl_authenticated",
        "permit_sasl_authenticated, reject_authenticated_sender_login_mismatch",
    )
    info = audit(monkeypatch, write(main, submission(extra=extra)))
    assert hits(info, "modern") == [("low", "submission"), ("low", "submissions")]


POSTSCREEN = "smtp      inet  n       -       y       -       1       postscreen"
PASS = """smtpd     pass  -       -       y       -       -       smtpd
{options}dnsblog   unix  -       -       y       -       0       dnsblog
tlsproxy  unix  -       -       y       -       0       tlsproxy
2525      inet  n       -       y       -       1       postscreen
"""


def postscreen(options=""):
    return PASS.format(options=options)


def test_behind_postscreen_the_smtpd_pass_overrides_decide(monkeypatch, write):
    bound = BINDING
    info = audit(monkeypatch, write(master=postscreen("  -o smtpd_sasl_auth_enable=yes\n"), smtp_line=POSTSCREEN))
    by_name = {lst["service"]: lst for lst in info["listeners"]}
    assert [
        (by_name[n]["via"], by_name[n]["settings_service"], by_name[n]["sasl_enabled"]) for n in ("smtp", "2525")
    ] == [
        ("postscreen", "smtpd/pass", True),
        ("postscreen", "smtpd/pass", True),
    ]
    findings = tls_findings(info, profile="modern")
    # port 25: AUTH there is auth_on_public_smtp (fixed on smtpd/pass), never the sender-binding finding
    auth = [f for f in findings if f["id"] == "auth_on_public_smtp"]
    assert [(f["service"], f["fix"].split(";")[0]) for f in auth] == [
        ("smtp", "master.cf service smtpd/pass: -o smtpd_sasl_auth_enable=no")
    ]
    binding = [f for f in findings if f["id"] == FID]
    assert [(f["service"], f["severity"], f["fix"].split(": -o")[0]) for f in binding] == [
        ("2525", "low", "master.cf service smtpd/pass")
    ]

    info = audit(
        monkeypatch, write(master=postscreen("  -o smtpd_sasl_auth_enable=yes\n" + bound), smtp_line=POSTSCREEN)
    )
    ids = {(f["id"], f["service"]) for f in tls_findings(info, profile="modern")}
    assert (FID, "2525") not in ids and ("auth_on_public_smtp", "smtp") in ids


def test_behind_postscreen_the_postscreen_line_overrides_do_not_count(monkeypatch, write):
    # -o on the postscreen line configures postscreen, not the smtpd behind it
    line = POSTSCREEN + " -o smtpd_sasl_auth_enable=yes -o smtpd_tls_security_level=none"
    info = audit(monkeypatch, write(master=postscreen(), smtp_line=line))
    ids = {(f["id"], f["service"]) for f in tls_findings(info)}
    assert not ids & {("auth_on_public_smtp", "smtp"), ("no_starttls", "smtp"), (FID, "2525")}
    # the same override on smtpd/pass turns STARTTLS off for the clients postscreen passes on
    info = audit(monkeypatch, write(master=postscreen("  -o smtpd_tls_security_level=none\n"), smtp_line=POSTSCREEN))
    (hit,) = [f for f in tls_findings(info) if f["id"] == "no_starttls"]
    assert hit["service"] == "smtp" and hit["fix"].startswith(
        "master.cf service smtpd/pass: -o smtpd_tls_security_level=may"
    )
