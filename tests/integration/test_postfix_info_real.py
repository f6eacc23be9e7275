# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""postfix_info + tls_findings against the real Postfix and openssl on this host.

The user's configuration from shared/seed/question.txt (main.cf settings and
the submission service, verbatim) on top of Debian's stock main.cf/master.cf,
with a self-signed wildcard certificate for *.example.com while myhostname is
the bare example.com.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy
from ansible_collections.mailsec.postfix.plugins.modules import postfix_info

POSTCONF = "/usr/sbin/postconf"
pytestmark = pytest.mark.skipif(not os.path.exists(POSTCONF), reason="Postfix (postconf) is not installed")

DEBIAN_MAIN = "/usr/share/postfix/main.cf.debian"
DEBIAN_TLS = "/usr/share/postfix/main.cf.tls"
DEBIAN_MASTER = "/etc/postfix/master.cf"

USER_MAIN = """
tls_random_source=dev:/dev/urandom

# Incoming
smtpd_tls_cert_file={cert}
smtpd_tls_key_file={key}
smtpd_use_tls=yes
smtpd_tls_auth_only=yes
smtpd_tls_security_level=may
smtpd_tls_mandatory_ciphers=high
smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3
smtpd_tls_session_cache_database = btree:${{data_directory}}/smtpd_scache

# Outgoing
smtp_tls_cert_file={cert}
smtp_tls_key_file={key}
smtp_use_tls=yes
smtp_tls_security_level=may
smtp_tls_mandatory_ciphers=high
smtp_tls_mandatory_protocols = !SSLv2, !SSLv3
smtp_tls_session_cache_database = btree:${{data_directory}}/smtp_scache

# SASL Authentication (dovecot)
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = yes
smtpd_sasl_authenticated_header = yes
broken_sasl_auth_clients = no

smtpd_recipient_restrictions =
   permit_sasl_authenticated,
   permit_mynetworks,
   reject_unauth_destination

# prevent leaking valid e-mail addresses
disable_vrfy_command = yes
"""

USER_MASTER = """submission inet n       -       -       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
"""


def _stock_debian_main(myhostname, cert, key):
    """main.cf as Debian's postinst writes it for an 'Internet Site'."""
    with open(DEBIAN_MAIN) as handle:
        text = handle.read()
    with open(DEBIAN_TLS) as handle:
        tls = handle.read()
    tls = tls.replace("/etc/ssl/certs/ssl-cert-snakeoil.pem", cert).replace(
        "/etc/ssl/private/ssl-cert-snakeoil.key", key
    )
    text += tls
    text += "\nsmtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination\n"
    text += "myhostname = %s\n" % myhostname
    text += "alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\nmyorigin = /etc/mailname\n"
    text += "mydestination = $myhostname, localhost\nrelayhost =\n"
    text += "mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128\n"
    text += "mailbox_size_limit = 0\nrecipient_delimiter = +\ninet_interfaces = all\ninet_protocols = all\n"
    return text


def _make_cert(directory, name):
    cert = os.path.join(directory, "%s.crt" % name)
    key = os.path.join(directory, "%s.key" % name)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "365",
            "-subj",
            "/CN=*.example.com",
            "-addext",
            "subjectAltName=DNS:*.example.com",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _tree_hashes(directory):
    hashes = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                hashes[path] = (hashlib.sha256(handle.read()).hexdigest(), os.stat(path).st_mtime_ns)
    return hashes


class _Exit(Exception):
    pass


def run_module(monkeypatch, args):
    result = {}

    def exit_json(self, **kwargs):
        result.update(kwargs)
        raise _Exit()

    def fail_json(self, **kwargs):
        kwargs["failed"] = True
        result.update(kwargs)
        raise _Exit()

    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with pytest.raises(_Exit):
        postfix_info.main()
    return result


def _ids(findings, fid):
    return [f for f in findings if f["id"] == fid]


def _services(findings, fid):
    return sorted({f["service"] for f in findings if f["id"] == fid})


@pytest.fixture
def user_config(tmp_path):
    conf = tmp_path / "postfix"
    conf.mkdir()
    cert, key = _make_cert(str(tmp_path), "example.com")
    main = _stock_debian_main("example.com", cert, key)
    main += USER_MAIN.format(cert=cert, key=key)
    (conf / "main.cf").write_text(main)
    shutil.copy(DEBIAN_MASTER, str(conf / "master.cf"))
    with open(str(conf / "master.cf"), "a") as handle:
        handle.write(USER_MASTER)
    return tmp_path


@pytest.fixture
def stock_config(tmp_path):
    conf = tmp_path / "postfix"
    conf.mkdir()
    cert = os.path.join(str(tmp_path), "snakeoil.pem")
    key = os.path.join(str(tmp_path), "snakeoil.key")
    # make-ssl-cert writes a self-signed certificate for the host's own name
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "3650",
            "-subj",
            "/CN=mx.example.org",
            "-addext",
            "subjectAltName=DNS:mx.example.org",
        ],
        check=True,
        capture_output=True,
    )
    (conf / "main.cf").write_text(_stock_debian_main("mx.example.org", cert, key))
    shutil.copy(DEBIAN_MASTER, str(conf / "master.cf"))
    return tmp_path


def test_user_configuration_findings(monkeypatch, user_config):
    before = _tree_hashes(str(user_config))
    result = run_module(monkeypatch, {"config_dir": str(user_config / "postfix"), "_ansible_check_mode": True})
    assert not result.get("failed"), result
    assert result["changed"] is False
    info = result["postfix_info"]
    assert info["source"] == "postconf"
    assert info["version"].startswith("3.")

    by_port = dict((lst["port"], lst) for lst in info["listeners"])
    assert by_port[25]["protocols_param"] == "smtpd_tls_protocols"
    assert by_port[587]["protocols_param"] == "smtpd_tls_mandatory_protocols"
    assert by_port[587]["protocols"] == "!SSLv2, !SSLv3"
    assert by_port[587]["client_restrictions"] == ["permit_sasl_authenticated", "reject"]
    assert info["outbound"]["protocols_param"] == "smtp_tls_protocols"
    cert = info["certificates"][0]
    assert cert["sans"] == ["*.example.com"]
    assert cert["covers_hostname"] is False
    assert cert["self_signed"] is True
    assert cert["key_matches"] is True

    findings = tls_findings(info)
    sys.stdout.write(
        "\nuser config findings:\n" + "\n".join("%(severity)-6s %(id)-28s %(service)s" % f for f in findings) + "\n"
    )
    assert "smtp" in _services(findings, "auth_on_public_smtp")
    assert "submission" in _services(findings, "weak_protocols_mandatory")
    assert {"smtp", "submission"} <= set(_services(findings, "anonymous_ciphers"))
    assert {"smtp", "outbound"} <= set(_services(findings, "mandatory_settings_ignored"))
    deprecated_fixes = " ".join(f["fix"] for f in _ids(findings, "deprecated_parameter"))
    assert "smtpd_use_tls" in deprecated_fixes
    assert "smtp_use_tls" in deprecated_fixes
    assert _ids(findings, "cert_name_mismatch")
    assert _services(findings, "sasl_anonymous_allowed") == []
    assert _ids(findings, "vrfy_enabled") == []
    assert _ids(findings, "open_relay_risk") == []

    assert _tree_hashes(str(user_config)) == before


def test_stock_debian_configuration(monkeypatch, stock_config):
    before = _tree_hashes(str(stock_config))
    result = run_module(monkeypatch, {"config_dir": str(stock_config / "postfix")})
    info = result["postfix_info"]
    findings = tls_findings(info)
    sys.stdout.write(
        "\nstock config findings:\n" + "\n".join("%(severity)-6s %(id)-28s %(service)s" % f for f in findings) + "\n"
    )
    # Stock Debian: STARTTLS with a self-signed snakeoil certificate, no SASL, defer_unauth_destination.
    assert [f for f in findings if f["severity"] == "high"] == []
    ids = {f["id"] for f in findings}
    assert {"anonymous_ciphers", "weak_protocols_opportunistic", "vrfy_enabled", "cert_self_signed"} <= ids
    assert not ids & {
        "auth_on_public_smtp",
        "open_relay_risk",
        "no_starttls",
        "cert_name_mismatch",
        "mandatory_settings_ignored",
    }
    assert _tree_hashes(str(stock_config)) == before


def _without_postconf(monkeypatch):
    monkeypatch.setattr(
        basic.AnsibleModule,
        "get_bin_path",
        lambda self, name, *a, **kw: None if name == "postconf" else shutil.which(name),
    )


def test_files_fallback_without_postconf(monkeypatch, user_config):
    _without_postconf(monkeypatch)
    result = run_module(monkeypatch, {"config_dir": str(user_config / "postfix")})
    info = result["postfix_info"]
    assert info["source"] == "files"
    findings = tls_findings(info)
    assert "smtp" in _services(findings, "auth_on_public_smtp")
    assert {"smtp", "outbound"} <= set(_services(findings, "mandatory_settings_ignored"))
    assert "submission" in _services(findings, "weak_protocols_mandatory")


def test_files_fallback_gives_the_postconf_view(monkeypatch, user_config):
    """main.cf/master.cf parsed by the shared parsers give what postconf -n/-M/-P report."""
    args = {"config_dir": str(user_config / "postfix")}
    via_postconf = run_module(monkeypatch, args)["postfix_info"]
    if not via_postconf["version"].startswith("3.7."):
        # The built-in fallback defaults are Postfix 3.7's: compare the parsing, not the version's defaults.
        defaults = subprocess.run(
            [POSTCONF, "-d", *_postfix_policy.DEFAULT_NAMES], check=True, capture_output=True, text=True
        ).stdout
        monkeypatch.setattr(_postfix_policy, "FALLBACK_DEFAULTS", _postfix_policy.parse_params(defaults))
    _without_postconf(monkeypatch)
    via_files = run_module(monkeypatch, args)["postfix_info"]
    assert (via_postconf["source"], via_files["source"]) == ("postconf", "files")
    for key in ("listeners", "outbound", "main", "services", "deprecated", "certificates"):
        assert via_files[key] == via_postconf[key], key


def test_files_fallback_names_a_broken_service(monkeypatch, user_config):
    with open(str(user_config / "postfix" / "master.cf"), "a") as handle:
        handle.write("2525 inet n - y - - smtpd -o { smtpd_sasl_auth_enable=yes\n")
    _without_postconf(monkeypatch)
    result = run_module(monkeypatch, {"config_dir": str(user_config / "postfix")})
    assert result["failed"] is True
    assert "master.cf" in result["msg"] and "2525/inet" in result["msg"]


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_fingerprints_and_public_keys(monkeypatch, user_config):
    conf = str(user_config / "postfix")
    extra = str(user_config / "not-there.conf")
    result = run_module(monkeypatch, {"config_dir": conf, "fingerprint": [extra]})
    info = result["postfix_info"]
    cert = info["certificates"][0]
    expected = {
        os.path.join(conf, "main.cf"): _sha256(os.path.join(conf, "main.cf")),
        os.path.join(conf, "master.cf"): _sha256(os.path.join(conf, "master.cf")),
        cert["path"]: _sha256(cert["path"]),
        cert["key_path"]: _sha256(cert["key_path"]),
        extra: None,
    }
    assert info["fingerprints"] == expected
    # The certificate's public key is what openssl prints; nothing of the private key is returned.
    pubkey = subprocess.run(
        ["openssl", "x509", "-in", cert["path"], "-noout", "-pubkey"], check=True, capture_output=True, text=True
    ).stdout
    assert cert["public_key"] == pubkey
    assert "PRIVATE KEY" not in json.dumps(result)
    # A changed main.cf shows in its fingerprint and nowhere else.
    with open(os.path.join(conf, "main.cf"), "a") as handle:
        handle.write("\n# edited\n")
    again = run_module(monkeypatch, {"config_dir": conf, "fingerprint": [extra]})["postfix_info"]["fingerprints"]
    assert [path for path in expected if again[path] != expected[path]] == [os.path.join(conf, "main.cf")]


def test_config_fingerprints_follow_meaning_not_bytes(monkeypatch, user_config):
    """postconf -e/-P of the values already set, comments, folding and column alignment rewrite the bytes
    but keep config_fingerprints; a changed value, service field or -o override changes them."""
    conf = str(user_config / "postfix")
    main_cf, master_cf = os.path.join(conf, "main.cf"), os.path.join(conf, "master.cf")

    def read():
        info = run_module(monkeypatch, {"config_dir": conf})["postfix_info"]
        return info["config_fingerprints"], info["fingerprints"][main_cf], info["fingerprints"][master_cf]

    def postconf(*args):
        subprocess.run([POSTCONF, "-c", conf, *args], check=True, capture_output=True, text=True)

    def current(*args):
        return subprocess.run([POSTCONF, "-c", conf, *args], check=True, capture_output=True, text=True).stdout.strip()

    meaning, main_bytes, master_bytes = read()
    assert set(meaning) == {"main.cf", "master.cf"}
    # Same values written back by postconf, plus a comment and a folded restriction list in main.cf,
    # and a re-aligned service line in master.cf: every byte fingerprint moves, the meaning does not.
    postconf("-e", "smtpd_tls_security_level=" + current("-h", "smtpd_tls_security_level"),
             "disable_vrfy_command=" + current("-h", "disable_vrfy_command"))  # fmt: skip
    postconf("-P", "submission/inet/syslog_name=" + current("-Ph", "submission/inet/syslog_name"))
    with open(main_cf) as handle:
        text = handle.read()
    assert "smtpd_recipient_restrictions =\n   permit_sasl_authenticated," in text
    text = text.replace(
        "smtpd_recipient_restrictions =\n   permit_sasl_authenticated,\n",
        "# folded differently by another tool\nsmtpd_recipient_restrictions = permit_sasl_authenticated,\n",
    )
    with open(main_cf, "w") as handle:
        handle.write(text)
    with open(master_cf) as handle:
        lines = handle.read().splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith("submission inet")]
    lines[index] = " ".join(lines[index].split()) + "\n"
    with open(master_cf, "w") as handle:
        handle.writelines([*lines, "# appended by another tool\n"])
    again, main_again, master_again = read()
    assert main_again != main_bytes and master_again != master_bytes
    assert again == meaning

    postconf("-e", "smtpd_tls_loglevel=2")
    changed_main = read()[0]
    assert changed_main["main.cf"] != meaning["main.cf"] and changed_main["master.cf"] == meaning["master.cf"]
    postconf("-#", "smtpd_tls_loglevel")
    assert read()[0] == meaning  # commented out again: back to the same meaning
    postconf("-P", "submission/inet/smtpd_tls_security_level=may")
    changed_override = read()[0]
    assert changed_override["master.cf"] != meaning["master.cf"] and changed_override["main.cf"] == meaning["main.cf"]
    postconf("-P", "submission/inet/smtpd_tls_security_level=encrypt")
    assert read()[0] == meaning
    postconf("-F", "submission/inet/chroot=n")
    assert read()[0]["master.cf"] != meaning["master.cf"]
    postconf("-F", "submission/inet/chroot=-")
    assert read()[0] == meaning

    # Lists: Postfix splits them on commas and white space, so the spacing of the separators is
    # no change (postconf -P cannot even write "a, b"); a different list is one.
    postconf("-e", "smtpd_tls_mandatory_protocols=!SSLv2,!SSLv3")
    with open(master_cf) as handle:
        text = handle.read()
    text = text.replace(
        "-o smtpd_client_restrictions=permit_sasl_authenticated,reject",
        "-o { smtpd_client_restrictions = permit_sasl_authenticated, reject }",
    )
    with open(master_cf, "w") as handle:
        handle.write(text)
    assert current("-Ph", "submission/inet/smtpd_client_restrictions") == "permit_sasl_authenticated, reject"
    assert read()[0] == meaning
    postconf("-e", "smtpd_tls_mandatory_protocols=!SSLv2,!SSLv3,!TLSv1")
    assert read()[0]["main.cf"] != meaning["main.cf"]
    postconf("-e", "smtpd_tls_mandatory_protocols=!SSLv2, !SSLv3")
    # Text shown to clients counts as written: a banner's spacing is a change.
    postconf("-e", "smtpd_banner=$myhostname ESMTP, hello")
    banner = read()[0]
    postconf("-e", "smtpd_banner=$myhostname ESMTP,hello")
    assert read()[0]["main.cf"] != banner["main.cf"]


def test_sasl_socket_reachability_and_postfix_status(monkeypatch, user_config):
    """The Dovecot socket below queue_directory is probed; `postfix status` says this instance is not running."""
    conf = str(user_config / "postfix")
    queue = user_config / "queue"
    (queue / "private").mkdir(parents=True)
    with open(os.path.join(conf, "main.cf"), "a") as handle:
        handle.write("\nqueue_directory = %s\n" % queue)
    socket_path = str(queue / "private" / "auth")

    result = run_module(monkeypatch, {"config_dir": conf})["postfix_info"]
    assert result["running"] is False
    assert result["sasl_sockets"] == [
        {"path": socket_path, "type": "dovecot", "services": ["smtp", "submission"], "reachable": False}
    ]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(socket_path)
        server.listen(1)
        result = run_module(monkeypatch, {"config_dir": conf})["postfix_info"]
        assert [entry["reachable"] for entry in result["sasl_sockets"]] == [True]
    finally:
        server.close()
    # Every listener with AUTH has the type and path it really uses.
    by_service = {lst["service"]: lst for lst in result["listeners"]}
    assert (by_service["submission"]["sasl_type"], by_service["submission"]["sasl_path"]) == ("dovecot", "private/auth")
