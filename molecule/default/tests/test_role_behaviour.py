"""The role's promises on a converged server: check mode, idempotence, rollback, bad input.

Each test runs the scenario's own converge.yml with ansible-playbook against one
container (limit), like an operator would, and judges by what Postfix and the files
say afterwards.
"""

import importlib.util
import os
import re

import pytest
import testinfra

# --import-mode=importlib (pyproject.toml) puts no test directory on sys.path: load the runner by path
_SPEC = importlib.util.spec_from_file_location(
    "scenario_run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenario_run.py")
)
scenario_run = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(scenario_run)
converge, recap, TARGET = scenario_run.converge, scenario_run.recap, scenario_run.TARGET
changed_tasks = scenario_run.changed_tasks
FILES = "/etc/postfix/main.cf /etc/postfix/master.cf"


@pytest.fixture(scope="module")
def target():
    # once, against one of the scenario's containers (not parametrized over every host)
    return testinfra.get_host(f"podman://{TARGET}")


def checksum(host):
    return host.run(f"sha256sum {FILES}").stdout


def test_check_mode_predicts_drift_writes_nothing_and_a_rerun_is_unchanged(target):
    target.run("postconf -e 'smtpd_tls_protocols=>=TLSv1' && postfix reload")
    before = checksum(target)
    rc, out = converge("--check", "--diff")
    assert rc == 0, out[-3000:]
    assert recap(out)["changed"] >= 1
    assert re.search(r"^\+smtpd_tls_protocols = >=TLSv1\.2", out, re.M), out[-3000:]
    assert checksum(target) == before  # check mode wrote nothing
    assert target.run("postconf -h smtpd_tls_protocols").stdout.strip() == ">=TLSv1"

    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert recap(out)["changed"] >= 1
    assert target.run("postconf -h smtpd_tls_protocols").stdout.strip() == ">=TLSv1.2"

    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert recap(out)["changed"] == 0


def test_failing_health_check_rolls_back_and_postfix_keeps_serving(target):
    """Dovecot's socket is gone: smtpd dies right after STARTTLS on 587, so the new
    configuration must not stay live."""
    before = checksum(target)
    target.run("systemctl stop dovecot")
    try:
        rc, out = converge(
            extra={
                "postfix_hardening_dovecot_configure": False,
                "postfix_hardening_extra_params": {"smtpd_banner": "$myhostname ESMTP rollback-test"},
            }
        )
        assert rc != 0
        assert "rolled back" in out, out[-3000:]
        assert "port 587" in out, out[-3000:]
        assert checksum(target) == before
        assert "rollback-test" not in target.run("postconf -h smtpd_banner").stdout
        assert target.service("postfix").is_running
        banner = target.run("swaks --server 127.0.0.1 --port 25 --quit-after CONNECT")
        assert "220 " in banner.stdout and "rollback-test" not in banner.stdout
    finally:
        target.run("systemctl start dovecot")


@pytest.mark.parametrize(
    "extra,named",
    [
        ({"postfix_hardening_profile": "bogus"}, "postfix_hardening_profile"),
        ({"postfix_hardening_extra_params": {"smtpd_tls_protocol": ">=TLSv1.2"}}, "smtpd_tls_protocol"),
        ({"postfix_hardening_extra_params": {"smtpd_banner": "one\ntwo"}}, "smtpd_banner"),
        (
            {
                "postfix_hardening_cert_mode": "provided",
                "postfix_hardening_cert_chains": [
                    {
                        "key": "/etc/postfix/tls/mx.example.org-rsa.key",
                        "cert": "/etc/postfix/tls/mx.example.org-ecdsa.crt",
                    }
                ],
            },
            "does not match the key",
        ),
        (
            {"postfix_hardening_service_overrides": {"submission/inet": {"smtpd_tls_securty_level": "encrypt"}}},
            "smtpd_tls_securty_level",
        ),
        # overrides go to any service master.cf has, and only to those
        (
            {"postfix_hardening_service_overrides": {"nosuch/unix": {"smtp_tls_security_level": "encrypt"}}},
            "nosuch/unix",
        ),
        ({"postfix_hardening_cert_mode": "provided"}, "needs postfix_hardening_cert_chains"),
        (
            {"postfix_hardening_relay_username": "", "postfix_hardening_relay_password": ""},
            "postfix_hardening_relayhost needs postfix_hardening_relay_username",
        ),
        ({"postfix_hardening_relay_password": "two\nlines"}, "postfix_hardening_relay_password must not contain"),
        ({"postfix_hardening_sender_logins": {"alice": ["alice at example.org"]}}, "postfix_hardening_sender_logins"),
    ],
    ids=[
        "unknown-profile",
        "typo-in-parameter",
        "newline-in-value",
        "provided-key-mismatch",
        "typo-in-override",
        "override-for-a-service-master-cf-lacks",
        "provided-without-chains",
        "relay-without-credentials",
        "newline-in-relay-password",
        "sender-login-not-an-address",
    ],
)
def test_bad_input_fails_naming_the_culprit_and_changes_nothing(target, extra, named):
    before = checksum(target)
    rc, out = converge(extra=extra)
    assert rc != 0, out[-3000:]
    assert named in out, out[-3000:]
    assert checksum(target) == before
    assert target.service("postfix").is_running


def test_tls_policy_table_is_rendered_and_postmapped(target):
    assert target.run("postconf -h smtp_tls_policy_maps").stdout.strip() == "hash:/etc/postfix/tls_policy"
    looked_up = target.run("postmap -q partner.example hash:/etc/postfix/tls_policy")
    assert looked_up.stdout.strip() == "secure match=mx.partner.example"


def test_private_ca_renews_within_the_window_and_keeps_the_keys(target):
    crt = "/etc/postfix/tls/mx.example.org-ecdsa.crt"

    def fingerprints():
        cert = target.run(f"openssl x509 -in {crt} -noout -serial").stdout
        spki = target.run(
            f"openssl x509 -in {crt} -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum"
        ).stdout
        return cert, spki

    serial_before, spki_before = fingerprints()
    # a renewal window longer than the validity makes the current certificates due now
    rc, out = converge(extra={"postfix_hardening_cert_renew_days": 400})
    assert rc == 0, out[-3000:]
    serial_after, spki_after = fingerprints()
    assert serial_after != serial_before  # re-issued ...
    assert spki_after == spki_before  # ... for the same key, so the TLSA 3 1 1 records stay valid
    served = target.run(
        "echo | openssl s_client -connect 127.0.0.1:465 -sigalgs ECDSA+SHA256 2>/dev/null | openssl x509 -noout -serial"
    )
    assert served.stdout == serial_after  # Postfix serves the new certificate after the reload


def test_unchanged_server_takes_one_read_and_any_drift_takes_the_full_path(target):
    """The record of the last converge lets an unchanged server be confirmed with one postfix_info read;
    stopped services, a hand edit or other role variables send the run down the full path, which repairs."""
    rc, out = converge()  # earlier tests ran with other variables: this run records the default ones
    assert rc == 0, out[-3000:]
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out, out[-3000:]
    assert "Predict the main.cf changes" not in out  # the full path did not run
    assert "IN TLSA 3 1 1" in out  # DNS records still printed, from the same read
    assert recap(out)["changed"] == 0

    target.run("systemctl stop dovecot postfix")
    target.run("postconf -e smtpd_tls_loglevel=0")
    rc, out = converge()
    assert rc == 0, out[-3000:]
    plan = re.search(r"Full converge: ([^\"]*)", out)
    assert plan, out[-3000:]
    for reason in ("managed files differ", "Postfix is not running", "Dovecot SASL socket does not answer"):
        assert reason in plan.group(1), plan.group(1)
    assert target.service("postfix").is_running
    assert target.service("dovecot").is_running
    assert target.run("postconf -h smtpd_tls_loglevel").stdout.strip() == "1"

    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out
    assert recap(out)["changed"] == 0

    # Another tool writing the same values back (postconf -e / -P, a comment, re-aligned columns)
    # changes the bytes, not what Postfix reads: still the short path, still changed=0.
    before = target.run("sha256sum /etc/postfix/main.cf /etc/postfix/master.cf").stdout
    rewrite = target.run(
        'postconf -e "smtpd_tls_security_level=$(postconf -h smtpd_tls_security_level)"'
        ' "smtpd_tls_protocols=$(postconf -h smtpd_tls_protocols)"'
        ' && postconf -P "submission/inet/syslog_name=$(postconf -Ph submission/inet/syslog_name)"'
        " && echo '# rewritten by another tool' >> /etc/postfix/main.cf"
        " && sed -i 's/^smtp \\+inet \\+n/smtp inet n/' /etc/postfix/master.cf"
        " && echo '# rewritten by another tool' >> /etc/postfix/master.cf"
    )
    assert rewrite.rc == 0, rewrite.stderr
    after = target.run("sha256sum /etc/postfix/main.cf /etc/postfix/master.cf").stdout
    digests = [[line.split()[0] for line in text.splitlines()] for text in (before, after)]
    assert digests[0][0] != digests[1][0] and digests[0][1] != digests[1][1]  # main.cf and master.cf bytes moved
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out, out[-3000:]
    assert "Predict the main.cf changes" not in out
    assert recap(out)["changed"] == 0

    # A role variable the configuration reads but that changes nothing on the server (the DNS TTL):
    # the configuration part runs, predicts once and writes nothing on the server; the certificate
    # and Dovecot parts are not due and no package, certificate or Dovecot task runs. The one change
    # is the zone-file fragment on the controller, which carries the TTL.
    server_files = "find /etc/postfix /etc/dovecot -type f -exec sha256sum {} + | sort"
    before = target.run(server_files).stdout
    rc, out = converge(extra={"postfix_hardening_dns_ttl": 7200})
    assert rc == 0, out[-3000:]
    assert "Not due, skipped: certificates, dovecot." in out, out[-3000:]
    assert out.count("TASK [mailsec.postfix.postfix_hardening : Predict the main.cf changes") == 1
    # a task that ran printed ok/changed under its header; a skipped one (or one in a skipped include) did not
    for task in ("Python cryptography", "Issue certificates", "Certificate directory",
                 "Dovecot auth listener for Postfix (drop-in)", "Dovecot is running",
                 "Read the certificate settings", "SASL client mechanisms"):  # fmt: skip
        ran = re.search(r"TASK \[mailsec\.postfix\.postfix_hardening : %s[^\n]*\n(ok|changed):" % re.escape(task), out)
        assert ran is None, task
    # nothing changed, so the first read is the result and is not repeated
    assert re.search(r"TASK \[mailsec\.postfix\.postfix_hardening : Read the live state after[^\n]*\nok:", out) is None
    assert "7200 IN TLSA 3 1 1" in out
    assert changed_tasks(out) == ["Zone-file fragment on the controller"], changed_tasks(out)
    assert recap(out)["changed"] == 1
    assert target.run(server_files).stdout == before
    rc, out = converge(extra={"postfix_hardening_dns_ttl": 7200})
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out  # the record took the new TTL
    assert recap(out)["changed"] == 0
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Not due, skipped: certificates, dovecot." in out  # back to the default TTL: the same
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out

    # Other role variables: full path, here in check mode so nothing is written.
    rc, out = converge("--check", extra={"postfix_hardening_auth_rate_limit": 31})
    assert rc == 0, out[-3000:]
    assert "Full converge: role variables" in out, out[-3000:]
    # postfix_hardening_fast_path=false always runs every step, and finds nothing to change.
    rc, out = converge(extra={"postfix_hardening_fast_path": False})
    assert rc == 0, out[-3000:]
    assert "Predict the main.cf changes" in out
    assert recap(out)["changed"] == 0
    # ... and is a switch, not a setting of the server: the next run is back on the short path.
    rc, out = converge()
    assert rc == 0, out[-3000:]
    assert "Unchanged since the last converge" in out


def test_health_check_probes_submission_on_its_configured_address(target):
    """A submission service bound to one address is probed there (127.0.0.1 would be refused and roll back)."""
    address = target.run("hostname -I").stdout.split()[0]
    rc, out = converge(extra={"postfix_hardening_submission_address": address})
    try:
        assert rc == 0, out[-3000:]
        assert target.run(f"postconf -M {address}:submission/inet").stdout.startswith(f"{address}:submission")
        listening = target.run("ss -Hltn 'sport = :587'").stdout
        assert f"{address}:587" in listening and "127.0.0.1:587" not in listening, listening
        probe = re.search(r'"host": "([^"]+)", "mode": "starttls", "ok": true, "port": 587', out)
        assert probe is None or probe.group(1) == address
    finally:
        rc, out = converge()
        assert rc == 0, out[-3000:]
    assert target.run("postconf -M submission/inet").stdout.startswith("submission")
