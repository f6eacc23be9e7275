"""Relay (smarthost) with SASL over mandatory TLS, and sender binding on submission (issue 19).

The scenario's relay container (prepare.yml) is a Postfix that demands STARTTLS and AUTH on
587, with a certificate from its own CA; converge.yml points both hardened servers at it with
relay_tls_level=secure. Judged by what the relay and the servers log and deliver.
"""

import importlib.util
import os
import re
import time
import uuid

import testinfra
import yaml

# --import-mode=importlib (pyproject.toml) puts no test directory on sys.path: load the runner by path
_SPEC = importlib.util.spec_from_file_location(
    "scenario_run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenario_run.py")
)
scenario_run = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(scenario_run)
converge, recap = scenario_run.converge, scenario_run.recap
SCENARIO, TARGET = scenario_run.SCENARIO, scenario_run.TARGET
RELAY = "mailsec-default-relay"
with open(os.path.join(SCENARIO, "..", "resources", "group_vars", "all", "test.yml"), encoding="utf-8") as fh:
    TEST_VARS = yaml.safe_load(fh)
RELAY_USER = TEST_VARS["mailsec_relay_user"]
RELAY_PASSWORD = TEST_VARS["mailsec_relay_password"]
PASSWORD_ARG = '"$(cat /root/.mailsec-alice-password)"'


def relay_host():
    return testinfra.get_host(f"podman://{RELAY}")


def wait_for(host, cmd, pattern, timeout=90):
    out = ""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = host.run(cmd).stdout
        if re.search(pattern, out, re.M):
            return out
        time.sleep(2)
    raise AssertionError(f"{pattern!r} not seen within {timeout}s in the output of {cmd!r}:\n{out[-3000:]}")


def test_mail_goes_through_the_relay_with_auth_over_verified_tls(host):
    token = uuid.uuid4().hex
    sent = host.run(
        f"printf 'Subject: relay {token}\\n\\nvia the smarthost\\n' | /usr/sbin/sendmail -f mailtest@mx.example.org"
        f" {RELAY_USER}@relay-dest.example"
    )
    assert sent.rc == 0, sent.stderr
    # the hardened server: handed to the relay on 587, its certificate verified (secure, the relay's CA)
    log = wait_for(
        host,
        "journalctl --no-pager -o cat -t postfix/smtp",
        rf"to=<{RELAY_USER}@relay-dest\.example>, relay=relay\.example\.net\[[0-9.]+\]:587, .*status=sent",
    )
    assert re.search(r"Verified TLS connection established to relay\.example\.net\[[0-9.]+\]:587", log), log[-3000:]
    # the relay: an authenticated, TLS-protected submission from that server, and the message delivered
    relay = relay_host()
    mailbox = wait_for(relay, f"cat /var/mail/{RELAY_USER}", token)
    assert f"relay {token}" in mailbox
    ip = host.run("hostname -I").stdout.split()[0]
    rlog = relay.run("journalctl --no-pager -o cat -t postfix/submission/smtpd").stdout
    assert re.search(rf"client=\S+\[{re.escape(ip)}\], sasl_method=PLAIN, sasl_username={RELAY_USER}", rlog), rlog[
        -3000:
    ]
    assert re.search(rf"TLS connection established from \S+\[{re.escape(ip)}\]", rlog), rlog[-3000:]
    assert RELAY_PASSWORD not in rlog + log


def test_relay_password_map_is_root_only_and_built(host):
    for path in (
        "/etc/postfix/sasl_passwd",
        "/etc/postfix/sasl_passwd.lmdb"
        if host.run("postconf -m").stdout.split().count("lmdb")
        else "/etc/postfix/sasl_passwd.db",
    ):
        f = host.file(path)
        assert f.exists and f.user == "root" and f.mode == 0o600, path
    main = host.run("postconf -n").stdout
    assert "relayhost = [relay.example.net]:587" in main
    assert "smtp_sasl_tls_security_options = noanonymous" in main
    assert re.search(r"^smtp_tls_security_level = may$", main, re.M)  # other destinations stay opportunistic
    policy_map = host.run("postconf -h smtp_tls_policy_maps").stdout.strip()
    entry = host.run(f"postmap -q '[relay.example.net]:587' {policy_map}").stdout.strip()
    assert entry == "secure"
    assert host.run("postconf -h smtp_tls_CAfile").stdout.strip() == "/etc/ssl/mailsec-relay-ca.crt"


def test_sender_binding_refuses_another_users_address(host):
    base = (
        "swaks --server 127.0.0.1 --port 587 -tls --ehlo probe.example.net --auth PLAIN --auth-user alice"
        f" --auth-password {PASSWORD_ARG} --to mailtest@mx.example.org"
    )
    refused = host.run(f"{base} --from bob@example.org")
    assert refused.rc != 0
    assert re.search(
        r"<~\*?\s+553 5\.7\.1 <bob@example\.org>: Sender address rejected: not owned by user alice", refused.stdout
    ), refused.stdout
    accepted = host.run(f"{base} --from alice@example.org")
    assert accepted.rc == 0, accepted.stdout
    assert "250 2.0.0 Ok: queued" in accepted.stdout


def changed(output):
    return recap(output)["changed"]


def test_switching_relay_and_sender_binding_off_removes_everything_and_back_without_printing_the_password():
    target = testinfra.get_host(f"podman://{TARGET}")
    rc, out = converge(
        extra={
            "postfix_hardening_relayhost": "",
            "postfix_hardening_relay_username": "",
            "postfix_hardening_relay_password": "",
            "postfix_hardening_sender_logins": {},
        }
    )
    assert rc == 0, out[-3000:]
    main = target.run("postconf -n").stdout
    for param in (
        "relayhost",
        "smtp_sasl_auth_enable",
        "smtp_sasl_password_maps",
        "smtp_sasl_security_options",
        "smtp_sasl_tls_security_options",
    ):
        assert not re.search(rf"^{param} =", main, re.M), param
    assert target.run("ls /etc/postfix/sasl_passwd* /etc/postfix/sender_logins* 2>/dev/null").stdout == ""
    overrides = target.run("postconf -P").stdout
    assert "smtpd_sender_login_maps" not in overrides and "smtpd_sender_restrictions" not in overrides
    policy_map = target.run("postconf -h smtp_tls_policy_maps").stdout.strip()
    assert policy_map  # partner.example keeps its policy ...
    assert target.run(f"postmap -q '[relay.example.net]:587' {policy_map}").rc == 1  # ... the relay's entry is gone
    assert target.run(f"postmap -q partner.example {policy_map}").stdout.strip() == "secure match=mx.partner.example"

    # back on, verbose and with diffs: the password map is written, the password printed nowhere
    rc, out = converge("-v", "--diff")
    assert rc == 0, out[-3000:]
    assert changed(out) > 0
    assert RELAY_PASSWORD not in out
    assert "relayhost = [relay.example.net]:587" in target.run("postconf -n").stdout
    assert re.search(r"^submission/inet/smtpd_sender_login_maps = ", target.run("postconf -P").stdout, re.M)

    # a new password, predicted in check mode with diffs: reported as a change, never shown, nothing written
    before = target.run("sha256sum /etc/postfix/sasl_passwd*").stdout
    new_password = "Changed-" + uuid.uuid4().hex
    rc, out = converge("--check", "--diff", "-vv", extra={"postfix_hardening_relay_password": new_password})
    assert rc == 0, out[-3000:]
    assert "Relay password map" in out and new_password not in out and RELAY_PASSWORD not in out
    assert target.run("sha256sum /etc/postfix/sasl_passwd*").stdout == before

    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert changed(out) == 0


def test_removed_sasl_mechanisms_are_a_finding_and_the_role_installs_them_again():
    """libsasl2-modules (PLAIN, LOGIN) removed behind the role's back: the read finds the relay login
    without a mechanism, the plan says so, and a real run installs it again and reloads Postfix."""
    target = testinfra.get_host(f"podman://{TARGET}")
    apt = "DEBIAN_FRONTEND=noninteractive apt-get -q -y"
    removed = target.run(f"{apt} remove libsasl2-modules")
    assert removed.rc == 0, removed.stdout + removed.stderr
    try:
        rc, out = converge("--check")
        assert rc == 0, out[-3000:]
        flat = " ".join(out.split())  # the YAML callback folds long strings over several lines
        assert "Full converge: the smtp client has no SASL mechanism to log in to the relay with" in flat, out[-3000:]
        assert re.search(r"high \| outbound \| relay_sasl_no_mechanism \| .*No worthy mechs found", flat), out[-3000:]
        assert not target.package("libsasl2-modules").is_installed  # check mode installs nothing

        rc, out = converge()
        assert rc == 0, out[-3000:]
        assert target.package("libsasl2-modules").is_installed
        assert "RUNNING HANDLER [mailsec.postfix.postfix_hardening : Reload postfix]" in out
        assert "relay_sasl_no_mechanism" not in out  # the re-read after the reload has no such finding
    finally:
        target.run(f"{apt} install libsasl2-modules")

    # the relay takes mail from this server again (it demands AUTH on 587)
    token = uuid.uuid4().hex
    sent = target.run(
        f"printf 'Subject: relay {token}\\n\\nafter the reinstall\\n' | /usr/sbin/sendmail -f mailtest@mx.example.org"
        f" {RELAY_USER}@relay-dest.example"
    )
    assert sent.rc == 0, sent.stderr
    wait_for(relay_host(), f"cat /var/mail/{RELAY_USER}", token)
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert changed(out) == 0
