"""Key-exchange groups of a hardened Postfix, checked by real clients inside the container under test.

Debian 12 (Postfix 3.7, OpenSSL 3.0) serves Mozilla's list X25519, prime256v1, secp384r1; Debian 13
(Postfix 3.10, OpenSSL 3.5) puts the hybrid post-quantum X25519MLKEM768 first. tls_eecdh_auto_curves
is one setting for every listener and for the smtp client, so both sides are checked. Facts and
figures: docs/baseline.md. Shared by the Molecule scenarios (molecule.yml adds this file to the
verifier run); the last test converges the role again and runs in molecule/default only.
"""

import json
import os
import re
import shlex
import subprocess

import pytest
import testinfra

# (port, STARTTLS?) of the three listeners
LISTENERS = [(25, True), (587, True), (465, False)]
SUBMISSION = [(587, True), (465, False)]
GROUP_LINE = re.compile(
    r"^(?:Negotiated TLS1\.3 group|Server Temp Key|Peer Temp Key): *(?:ECDH, )?([A-Za-z0-9]+)", re.M
)


def _s_client(host, port, starttls, options):
    st = "-starttls smtp" if starttls else ""
    cmd = f"echo QUIT | timeout 15 openssl s_client -connect 127.0.0.1:{port} {st} {options} 2>&1"
    return host.run(f"sh -c {shlex.quote(cmd)}").stdout


def negotiated_group(host, port, starttls, options=""):
    """The key-exchange group of a completed handshake, None when the handshake failed.

    OpenSSL 3.0 prints "Server Temp Key: X25519, 253 bits", 3.5 "Peer Temp Key: ..." for a
    classic group and "Negotiated TLS1.3 group: X25519MLKEM768" for a hybrid one.
    """
    out = _s_client(host, port, starttls, options)
    if "BEGIN CERTIFICATE" not in out or "Cipher is (NONE)" in out:
        return None
    match = GROUP_LINE.search(out)
    return match.group(1) if match else "?"


def _has_hybrid(host):
    """Postfix 3.10+ on OpenSSL 3.5+, where the role puts X25519MLKEM768 first."""
    postfix = tuple(int(x) for x in host.run("postconf -h mail_version").stdout.strip().split(".")[:2])
    openssl = re.search(r"OpenSSL (\d+)\.(\d+)", host.run("openssl version").stdout)
    return postfix >= (3, 10) and (int(openssl.group(1)), int(openssl.group(2))) >= (3, 5)


@pytest.fixture
def hybrid(host):
    return _has_hybrid(host)


def test_the_group_setting_is_the_one_the_platform_supports(host, hybrid):
    curves = host.run("postconf -h tls_eecdh_auto_curves").stdout.split()
    if hybrid:
        assert curves == ["*X25519MLKEM768", "*X25519", "prime256v1", "secp384r1"]
    else:
        assert curves == ["X25519", "prime256v1", "secp384r1"]
    # Postfix accepted every name: no "ignoring unknown" warning since the role's reload
    logs = host.run("journalctl --no-pager -o cat; cat /var/log/mail.log 2>/dev/null").stdout
    assert "ignoring unknown" not in logs


@pytest.mark.parametrize("port,starttls", SUBMISSION)
@pytest.mark.parametrize("group", ["X448", "secp521r1"])
def test_a_client_offering_only_an_excluded_group_fails(host, port, starttls, group):
    assert negotiated_group(host, port, starttls, f"-groups {group}") is None


@pytest.mark.parametrize("port,starttls", LISTENERS)
@pytest.mark.parametrize("group", ["X25519", "prime256v1", "secp384r1"])
def test_a_client_offering_only_a_classic_group_negotiates_it(host, port, starttls, group):
    assert negotiated_group(host, port, starttls, f"-groups {group}") == group


@pytest.mark.parametrize("port,starttls", LISTENERS)
@pytest.mark.parametrize("options", ["", "-groups X25519MLKEM768:X25519"], ids=["client-default", "hybrid-first"])
def test_an_openssl35_client_offering_the_hybrid_negotiates_it(host, hybrid, port, starttls, options):
    if not hybrid:
        pytest.skip("Postfix < 3.10 or OpenSSL < 3.5: no hybrid group here")
    assert negotiated_group(host, port, starttls, options) == "X25519MLKEM768"


def test_a_tls12_peer_on_port_25_still_delivers(host):
    assert negotiated_group(host, 25, True, "-tls1_2") == "X25519"
    myhostname = host.run("postconf -h myhostname").stdout.strip()
    ip = host.run("hostname -I").stdout.split()[0]  # not in mynetworks: an MX peer, not a local client
    out = host.run(
        f"swaks --server {ip} --port 25 -tls --tls-protocol tlsv1_2 --ehlo peer.example.net"
        f" --from someone@example.net --to mailtest@{myhostname} --body 'TLS 1.2 peer'"
    ).stdout
    assert "TLS started with cipher TLSv1.2" in out, out
    assert re.search(r"<~\s+250 2\.0\.0 Ok: queued", out), out


OUTBOUND = r"""
cd /tmp && rm -f s_server.out ptf.out
(sleep 6 | openssl s_server -accept 127.0.0.1:4650 -cert {cert} -key {key} -groups {groups} -msg -naccept 1 \
   > s_server.out 2>&1) &
sleep 1
timeout 10 posttls-finger -w -l may -L summary "[127.0.0.1]:4650" > ptf.out 2>&1
wait
grep -o "key-exchange [^ ]*" ptf.out | head -1
grep -c "ClientHello" s_server.out
"""


@pytest.mark.parametrize(
    "peer_groups,expected",
    [("X25519:prime256v1:secp384r1", "x25519"), ("X25519MLKEM768:X25519", "X25519MLKEM768")],
    ids=["classic-peer", "hybrid-peer"],
)
def test_the_smtp_client_offers_hybrid_and_x25519_at_once(host, hybrid, peer_groups, expected):
    """posttls-finger uses Postfix's TLS client library and main.cf, like smtp(8): a classic server
    answers its first ClientHello (no HelloRetryRequest), a hybrid-capable one gets the hybrid."""
    if not hybrid:
        pytest.skip("Postfix < 3.10 or OpenSSL < 3.5: the client offers X25519 first, as before")
    key, cert = host.run("postconf -h smtpd_tls_chain_files").stdout.replace(",", " ").split()[:2]  # ECDSA first
    out = host.run(OUTBOUND.format(cert=cert, key=key, groups=peer_groups)).stdout.split("\n")
    assert out[0] == f"key-exchange {expected}", out
    assert out[1] == "1", out  # one ClientHello: no HelloRetryRequest


# ----------------------------------------------------------------------------- switching off


SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", "")
TARGET = "mailsec-default-debian12"


def _converge(extra):
    cmd = [
        "ansible-playbook",
        "-i",
        os.environ.get("MOLECULE_INVENTORY_FILE", ""),
        "--limit",
        TARGET,
        os.path.join(SCENARIO, "converge.yml"),
        "-e",
        json.dumps(extra),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.skipif(os.path.basename(SCENARIO) != "default", reason="converges molecule/default's debian12 host")
def test_switching_the_policy_table_and_dane_off_removes_what_they_set():
    target = testinfra.get_host(f"podman://{TARGET}")

    def state():
        return (
            target.run("postconf -nh smtp_tls_policy_maps").stdout.strip(),
            target.run("postconf -nh smtp_dns_support_level").stdout.strip(),
            target.run("ls /etc/postfix/ | grep -c '^tls_policy'").stdout.strip(),
        )

    map_type = "lmdb" if "lmdb" in target.run("postconf -m").stdout.split() else "hash"
    try:
        # molecule/default converges with a policy table; DANE on top (the container's resolver is not
        # local, so the audit reports dane_without_validating_resolver: medium, which must not stop the run)
        rc, out = _converge({"postfix_hardening_outbound_level": "dane", "postfix_hardening_audit_fail_on": "high"})
        assert rc == 0, out[-3000:]
        assert state() == (f"{map_type}:/etc/postfix/tls_policy", "dnssec", "2")
        assert "dane_without_validating_resolver" in out
        # the relay's entry is in the same table: off with it too
        no_relay = {"postfix_hardening_relayhost": "", "postfix_hardening_relay_username": ""}
        rc, out = _converge(dict(no_relay, postfix_hardening_tls_policies={}, postfix_hardening_relay_password=""))
        assert rc == 0, out[-3000:]
        assert state() == ("", "", "0")  # both parameters and the table's files are gone
    finally:
        rc, out = _converge({})
        assert rc == 0, out[-3000:]
    assert state() == (f"{map_type}:/etc/postfix/tls_policy", "", "2")
