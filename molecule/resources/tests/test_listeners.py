"""Client-side checks of a hardened Postfix, shared by the Molecule scenarios.

Every check talks to the running server like an SMTP client would (swaks, openssl
s_client, Python smtplib/ssl) from inside the container; nothing here reads a config
file to decide whether the server is secure. Import the test functions into a
scenario's test module to run them there.
"""

import json
import os
import re
import shlex

import pytest

USER = "mailtest"
PASSWORD = "Molecule-Only-Secret-42"  # test-only, see molecule/resources/group_vars/all/test.yml
# Commands read the password from a file written by prepare (no_log): Ansible, which runs
# these commands, logs their arguments to the target's journal.
PASSWORD_ARG = '"$(cat /root/.mailsec-test-password)"'
CA_FILE = "/etc/postfix/tls/ca/ca.crt"
# OpenSSL 3 clients refuse TLS < 1.2 and aNULL at their default security level; level 0
# makes the client able to offer them, so a failed handshake is the server's refusal.
LEGACY_CLIENT = "-cipher 'DEFAULT:@SECLEVEL=0'"


def _run(host, cmd):
    return host.run(cmd)


def _ehlo(host, port, tls=False, extra=""):
    tls_opt = "-tls" if tls else ""
    cmd = f"swaks --server 127.0.0.1 --port {port} --quit-after EHLO {tls_opt} --ehlo probe.example.net {extra}"
    return _run(host, cmd)


def _s_client(host, port, options, starttls=True, timeout=15):
    st = "-starttls smtp" if starttls else ""
    cmd = f"echo QUIT | timeout {timeout} openssl s_client -connect 127.0.0.1:{port} {st} {options} -brief 2>&1"
    return _run(host, f"sh -c {shlex.quote(cmd)}")


def _handshake_ok(out):
    text = out.stdout + out.stderr
    return "CONNECTION ESTABLISHED" in text or "Protocol version:" in text


def _myhostname(host):
    return host.run("postconf -h myhostname").stdout.strip()


def _external_ip(host):
    return host.run("hostname -I").stdout.split()[0]


# ----------------------------------------------------------------------------- port 25


def test_port25_offers_starttls_and_never_auth(host):
    plain = _ehlo(host, 25)
    assert plain.rc == 0, plain.stdout + plain.stderr
    assert re.search(r"250[- ]STARTTLS", plain.stdout)
    assert not re.search(r"250[- ]AUTH", plain.stdout)
    after_tls = _ehlo(host, 25, tls=True)
    assert after_tls.rc == 0, after_tls.stdout + after_tls.stderr
    assert "TLS started" in after_tls.stdout
    assert not re.search(r"250[- ]AUTH", after_tls.stdout)


def test_port25_refuses_unauthenticated_relay(host):
    ip = _external_ip(host)  # not in mynetworks, unlike 127.0.0.1
    out = _run(
        host,
        f"swaks --server {ip} --port 25 --ehlo probe.example.net --from someone@example.net "
        "--to victim@foreign.example --quit-after RCPT",
    )
    assert re.search(r"\*\* [45]54 [45]\.7\.1 <victim@foreign\.example>: Relay access denied", out.stdout), out.stdout


def test_port25_accepts_local_delivery_with_and_without_tls(host):
    ip = _external_ip(host)
    for tls in ("", "-tls"):
        out = _run(
            host,
            f"swaks --server {ip} --port 25 {tls} --ehlo probe.example.net --from someone@example.net "
            f"--to {USER}@{_myhostname(host)} --body 'hardening must not cost mail'",
        )
        assert out.rc == 0, out.stdout + out.stderr
        assert re.search(r"<[-~]\s+250 2\.0\.0 Ok: queued", out.stdout), out.stdout


def test_port25_still_talks_to_tls12_cbc_peers(host):
    out = _s_client(host, 25, "-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA")
    assert _handshake_ok(out), out.stdout


# ----------------------------------------------------------------------------- 587 / 465


def test_submission_requires_starttls_before_auth(host):
    out = _ehlo(host, 587)
    assert re.search(r"250[- ]STARTTLS", out.stdout), out.stdout
    assert not re.search(r"250[- ]AUTH", out.stdout), out.stdout
    mail = _run(
        host,
        "swaks --server 127.0.0.1 --port 587 --ehlo probe.example.net"
        " --from a@example.net --to b@example.net --quit-after MAIL",
    )
    assert "530 5.7.0 Must issue a STARTTLS command first" in mail.stdout, mail.stdout


@pytest.mark.parametrize("port,tls", [(587, "-tls"), (465, "-tlsc")])
def test_auth_after_tls_succeeds_and_wrong_password_fails(host, port, tls):
    base = (
        f"swaks --server 127.0.0.1 --port {port} {tls} --ehlo probe.example.net"
        f" --quit-after AUTH --auth PLAIN --auth-user {USER}"
    )
    good = _run(host, f"{base} --auth-password {PASSWORD_ARG}")
    assert "235 2.7.0 Authentication successful" in good.stdout, good.stdout
    bad = _run(host, f"{base} --auth-password wrong-password")
    assert "535 5.7.8" in bad.stdout, bad.stdout


@pytest.mark.parametrize("port,starttls", [(587, True), (465, False)])
@pytest.mark.parametrize("proto", ["-tls1", "-tls1_1"])
def test_mandatory_listeners_refuse_old_protocols(host, port, starttls, proto):
    out = _s_client(host, port, f"{proto} {LEGACY_CLIENT}", starttls=starttls)
    assert not _handshake_ok(out), out.stdout


@pytest.mark.parametrize("port,starttls", [(25, True), (587, True), (465, False)])
def test_no_listener_accepts_anonymous_ciphers(host, port, starttls):
    out = _s_client(host, port, "-tls1_2 -cipher 'aNULL:@SECLEVEL=0'", starttls=starttls)
    assert not _handshake_ok(out), out.stdout


@pytest.mark.parametrize("port,starttls", [(587, True), (465, False)])
def test_mandatory_listeners_refuse_cbc(host, port, starttls):
    out = _s_client(host, port, "-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA", starttls=starttls)
    assert not _handshake_ok(out), out.stdout


@pytest.mark.parametrize("port,starttls", [(587, True), (465, False)])
@pytest.mark.parametrize(
    "options",
    ["-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256", "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384", "-tls1_3"],
)
def test_mandatory_listeners_accept_modern_clients(host, port, starttls, options):
    out = _s_client(host, port, options, starttls=starttls)
    assert _handshake_ok(out), out.stdout


def test_python_smtplib_auth_with_verified_certificate(host):
    myhostname = _myhostname(host)
    script = f"""
import json, smtplib, ssl
password = open("/root/.mailsec-test-password").read()
ctx = ssl.create_default_context(cafile={CA_FILE!r})
res = {{}}
with smtplib.SMTP_SSL({myhostname!r}, 465, context=ctx) as s:
    res["465"] = [s.sock.version(), s.login({USER!r}, password)[0]]
with smtplib.SMTP({myhostname!r}, 587) as s:
    s.ehlo()
    before = s.has_extn("auth")
    s.starttls(context=ctx)
    s.ehlo()
    res["587"] = [s.sock.version(), s.login({USER!r}, password)[0], before]
print(json.dumps(res))
"""
    out = host.run(f"python3 -c {shlex.quote(script)}")
    assert out.rc == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["465"][0] in ("TLSv1.2", "TLSv1.3") and res["465"][1] == 235
    assert res["587"][0] in ("TLSv1.2", "TLSv1.3") and res["587"][1] == 235
    assert res["587"][2] is False  # no AUTH before STARTTLS


@pytest.mark.parametrize("port,starttls", [(25, True), (587, True), (465, False)])
def test_served_certificate_covers_myhostname_and_verifies_against_private_ca(host, port, starttls):
    out = _s_client(
        host, port, f"-verify_hostname {_myhostname(host)} -CAfile {CA_FILE} -verify_return_error", starttls=starttls
    )
    assert _handshake_ok(out), out.stdout
    assert "Verification: OK" in out.stdout, out.stdout


# ----------------------------------------------------------------------------- files and logs


def test_private_keys_are_root_only(host):
    keys = host.run("ls /etc/postfix/tls/*.key /etc/postfix/tls/ca/ca.key").stdout.split()
    assert len(keys) == 3
    for key in keys:
        f = host.file(key)
        assert f.user == "root" and f.group == "root" and f.mode == 0o600, key


def test_no_sasl_password_in_any_log(host):
    # an authenticated submission makes smtpd log the SASL login (sasl_method=, sasl_username=)
    sent = _run(
        host,
        f"swaks --server 127.0.0.1 --port 587 -tls --ehlo probe.example.net --auth PLAIN --auth-user {USER}"
        f" --auth-password {PASSWORD_ARG} --from {USER}@{_myhostname(host)} --to {USER}@{_myhostname(host)}",
    )
    assert "250 2.0.0 Ok: queued" in sent.stdout, sent.stdout
    host.run("sleep 1")
    logs = host.run("journalctl --no-pager -o cat; cat /var/log/mail.log /var/log/syslog 2>/dev/null").stdout
    assert f"sasl_method=PLAIN, sasl_username={USER}" in logs  # the login was logged ...
    assert PASSWORD not in logs  # ... without the password


def test_tlsa_records_printed_by_the_role_verify_against_the_live_server(host):
    zone = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], f"dns-{host.backend.get_hostname()}.zone")
    with open(zone, encoding="utf-8") as fh:
        records = [line.split("TLSA", 1)[1].strip() for line in fh if " TLSA " in line]
    assert len(records) == 2  # ECDSA and RSA keys
    myhostname = _myhostname(host)
    for rrdata in records:
        # pin the key type the record belongs to by trying both chains
        ok = False
        for sigalgs in ("ECDSA+SHA256", "RSA-PSS+SHA256:RSA+SHA256"):
            out = _s_client(
                host,
                25,
                f"-tls1_2 -sigalgs {sigalgs} -dane_tlsa_domain {myhostname} -dane_tlsa_rrdata {shlex.quote(rrdata)}",
            )
            ok = ok or "Verification: OK" in out.stdout
        assert ok, rrdata
