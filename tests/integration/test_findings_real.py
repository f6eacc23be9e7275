# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit's newer checks against the real Postfix on this host.

Each case writes a configuration directory (Debian's stock main.cf/master.cf plus the
setting under test), reads it with postfix_info (postconf -n/-d/-M/-P, the resolv.conf and
SASL socket probes) and judges it with tls_findings: once with the mistake, once without.
"""

import importlib.util
import os
import shutil
import socket
import subprocess

import pytest

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings

_spec = importlib.util.spec_from_file_location(
    "postfix_info_real", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_postfix_info_real.py")
)
real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real)

pytestmark = pytest.mark.skipif(not os.path.exists(real.POSTCONF), reason="Postfix (postconf) is not installed")

SUBMISSION = """submission inet n - y - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
submissions inet n - y - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
"""


@pytest.fixture
def config(tmp_path):
    """Write main.cf (stock + extra lines) and master.cf (stock + extra services); return the directory."""
    conf = tmp_path / "postfix"
    conf.mkdir()
    cert, key = real._make_cert(str(tmp_path), "mx")

    def write(main="", master=""):
        text = real._stock_debian_main("mx.example.org", cert, key)
        # the queue directory holds the chroot's resolv.conf and the SASL socket
        text += "queue_directory = %s\n%s\n" % (tmp_path / "queue", main)
        (conf / "main.cf").write_text(text)
        shutil.copy(real.DEBIAN_MASTER, str(conf / "master.cf"))
        with open(str(conf / "master.cf"), "a") as handle:
            handle.write(master)
        return str(conf)

    (tmp_path / "queue" / "etc").mkdir(parents=True)
    (tmp_path / "queue" / "private").mkdir()
    return write


def audit(monkeypatch, config_dir, profile="intermediate"):
    result = real.run_module(monkeypatch, {"config_dir": config_dir, "inspect_certificates": False})
    assert not result.get("failed"), result
    info = result["postfix_info"]
    return info, tls_findings(info, profile=profile)


def found(findings, fid):
    return [f for f in findings if f["id"] == fid]


def test_modern_flags_tls12_on_submission(monkeypatch, config):
    conf = config("smtpd_tls_mandatory_protocols = >=TLSv1.2", SUBMISSION)
    _info, findings = audit(monkeypatch, conf, "modern")
    hits = found(findings, "tls12_on_modern_submission")
    assert sorted(f["service"] for f in hits) == ["submission", "submissions"]
    assert found(tls_findings(_info, profile="intermediate"), "tls12_on_modern_submission") == []
    conf = config("smtpd_tls_mandatory_protocols = >=TLSv1.3", SUBMISSION)
    assert found(audit(monkeypatch, conf, "modern")[1], "tls12_on_modern_submission") == []


def test_outbound_level_none(monkeypatch, config):
    info, findings = audit(monkeypatch, config("smtp_tls_security_level = none"))
    assert info["outbound"]["security_level"] == "none"
    (hit,) = found(findings, "outbound_tls_disabled")
    assert hit["fix"].startswith("main.cf: smtp_tls_security_level = may")
    # Debian's stock main.cf says may
    assert found(audit(monkeypatch, config())[1], "outbound_tls_disabled") == []


@pytest.mark.parametrize("level,severity", [("dane", "medium"), ("dane-only", "high")])
def test_dane_without_dnssec_lookups(monkeypatch, config, level, severity):
    info, findings = audit(monkeypatch, config("smtp_tls_security_level = %s" % level))
    assert info["outbound"]["dns_support_level"] == ""
    (hit,) = found(findings, "dane_without_dnssec")
    assert hit["severity"] == severity
    conf = config("smtp_tls_security_level = %s\nsmtp_dns_support_level = dnssec" % level)
    assert found(audit(monkeypatch, conf)[1], "dane_without_dnssec") == []


def test_dane_without_a_validating_resolver(monkeypatch, config, tmp_path):
    conf = config("smtp_tls_security_level = dane\nsmtp_dns_support_level = dnssec")
    chroot_copy = tmp_path / "queue" / "etc" / "resolv.conf"
    chroot_copy.write_text("search example.org\nnameserver 192.0.2.53\noptions edns0\n")
    info, findings = audit(monkeypatch, conf)
    # Debian's master.cf runs smtp chrooted: the client reads the copy below queue_directory
    assert info["resolver"] == {"path": str(chroot_copy), "nameservers": ["192.0.2.53"]}
    (hit,) = found(findings, "dane_without_validating_resolver")
    assert hit["severity"] == "medium" and "192.0.2.53" in hit["message"]
    chroot_copy.write_text("nameserver 127.0.0.53\n")
    assert found(audit(monkeypatch, conf)[1], "dane_without_validating_resolver")[0]["severity"] == "low"
    chroot_copy.write_text("nameserver 127.0.0.1\nnameserver ::1\n")
    assert found(audit(monkeypatch, conf)[1], "dane_without_validating_resolver") == []


def test_policy_table_with_weak_mandatory_protocols(monkeypatch, config, tmp_path):
    table = "smtp_tls_policy_maps = hash:%s/tls_policy\n" % tmp_path
    info, findings = audit(monkeypatch, config(table + "smtp_tls_mandatory_protocols = !SSLv2, !SSLv3"))
    assert info["outbound"]["mandatory_protocols_enabled"][:2] == ["TLSv1", "TLSv1.1"]
    (hit,) = found(findings, "outbound_mandatory_weak_protocols")
    assert hit["fix"] == "main.cf: smtp_tls_mandatory_protocols = >=TLSv1.2"
    # Postfix's own default (>=TLSv1) is just as weak for the table's encrypt/secure entries
    assert found(audit(monkeypatch, config(table))[1], "outbound_mandatory_weak_protocols")
    conf = config(table + "smtp_tls_mandatory_protocols = >=TLSv1.2")
    assert found(audit(monkeypatch, conf)[1], "outbound_mandatory_weak_protocols") == []


def test_dead_sasl_socket(monkeypatch, config, tmp_path):
    conf = config("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth", SUBMISSION)
    _info, findings = audit(monkeypatch, conf)
    (hit,) = found(findings, "sasl_socket_unreachable")
    assert (hit["severity"], hit["service"]) == ("high", "submission, submissions")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(tmp_path / "queue" / "private" / "auth"))
        server.listen(2)
        assert found(audit(monkeypatch, conf)[1], "sasl_socket_unreachable") == []
    finally:
        server.close()


def test_key_exchange_groups(monkeypatch, config):
    conf = config()
    info, findings = audit(monkeypatch, conf)
    default = subprocess.run(
        [real.POSTCONF, "-c", conf, "-dh", "tls_eecdh_auto_curves"], check=True, capture_output=True, text=True
    ).stdout
    assert info["key_exchange"]["tls_eecdh_auto_curves"] == default.strip()
    (hit,) = found(findings, "key_exchange_groups_excluded")
    assert "X448" in hit["message"] and "secp521r1" in hit["message"]
    assert found(tls_findings(info, profile="interop"), "key_exchange_groups_excluded")[0]["severity"] == "info"
    for value in ("X25519 prime256v1 secp384r1", "*X25519MLKEM768 *X25519 prime256v1 secp384r1"):
        conf = config("tls_eecdh_auto_curves = %s" % value)
        assert found(audit(monkeypatch, conf)[1], "key_exchange_groups_excluded") == [], value


def test_platform_facts_for_the_role(monkeypatch, config):
    # postconf -m evaluates myorigin, and stock Debian's names /etc/mailname, absent on a build host
    conf = config("myorigin = $myhostname")
    info, _findings = audit(monkeypatch, conf)
    openssl = subprocess.run(["openssl", "version"], check=True, capture_output=True, text=True).stdout
    assert info["openssl_version"] and "OpenSSL %s" % info["openssl_version"] in openssl
    maps = subprocess.run([real.POSTCONF, "-c", conf, "-m"], check=True, capture_output=True, text=True).stdout.split()
    assert info["map_types"] == sorted(maps) and "hash" in maps
