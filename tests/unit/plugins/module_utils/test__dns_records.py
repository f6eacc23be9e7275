# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for plugins/module_utils/_dns_records.py.

TLSA digests are checked against what the openssl CLI computes for freshly
generated RSA-2048, RSA-3072 and ECDSA P-256 keys and certificates, and one
record is verified end to end with ``openssl s_client -dane_tlsa_rrdata``.
"""

import re
import shutil
import socket
import subprocess
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.postfix.plugins.module_utils import _dns_records as dns

DnsRecordError = dns.DnsRecordError

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl CLI not installed")

HOST = "mail.example.org"


# ------------------------------------------------------------------ openssl


def _openssl(*args, stdin=None):
    result = subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=True)
    return result.stdout


def _dgst(data, algorithm):
    out = _openssl("dgst", "-" + algorithm, "-r", stdin=data).decode()
    return out.split()[0].lower()


def _spki_der(cert_path):
    # openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER
    pub = _openssl("x509", "-in", str(cert_path), "-pubkey", "-noout")
    return _openssl("pkey", "-pubin", "-outform", "DER", stdin=pub)


def _cert_der(cert_path):
    return _openssl("x509", "-in", str(cert_path), "-outform", "DER")


def _newkey_args(kind):
    if kind == "ec-p256":
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    return ["-newkey", kind]  # rsa:2048 / rsa:3072


class KeySet:
    """A key with its self-signed certificate and the openssl-computed digests."""

    def __init__(self, directory, kind):
        self.kind = kind
        self.key = directory / "key.pem"
        self.cert = directory / "cert.pem"
        _openssl(
            "req", "-x509", *_newkey_args(kind), "-nodes", "-keyout", str(self.key), "-out", str(self.cert),
            "-days", "30", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=DNS:" + HOST,
        )  # fmt: skip
        self.key_pem = self.key.read_text()
        self.cert_pem = self.cert.read_text()
        self.pub_pem = _openssl("pkey", "-in", str(self.key), "-pubout").decode()
        if kind.startswith("rsa"):
            self.traditional_key_pem = _openssl("rsa", "-in", str(self.key), "-traditional").decode()
            self.pkcs1_pub_pem = _openssl("rsa", "-in", str(self.key), "-RSAPublicKey_out").decode()
        else:
            self.traditional_key_pem = _openssl("ec", "-in", str(self.key)).decode()
            self.pkcs1_pub_pem = None
        spki = _spki_der(self.cert)
        der = _cert_der(self.cert)
        self.expected = {
            (1, 1): _dgst(spki, "sha256"),
            (1, 2): _dgst(spki, "sha512"),
            (1, 0): spki.hex(),
            (0, 1): _dgst(der, "sha256"),
            (0, 2): _dgst(der, "sha512"),
            (0, 0): der.hex(),
        }


KINDS = ("rsa:2048", "rsa:3072", "ec-p256")


@pytest.fixture(scope="module")
def keysets(tmp_path_factory):
    if OPENSSL is None:
        pytest.skip("openssl CLI not installed")
    result = {}
    for kind in KINDS:
        result[kind] = KeySet(tmp_path_factory.mktemp(kind.replace(":", "")), kind)
    return result


@pytest.fixture(scope="module")
def ca_chain(tmp_path_factory):
    """A leaf signed by a CA: leaf, CA and the openssl digests of both SPKIs."""
    if OPENSSL is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("chain")
    _openssl(
        "req", "-x509", *_newkey_args("ec-p256"), "-nodes", "-keyout", str(d / "ca.key"),
        "-out", str(d / "ca.pem"), "-days", "30", "-subj", "/CN=Test CA",
    )  # fmt: skip
    _openssl(
        "req", "-new", *_newkey_args("ec-p256"), "-nodes", "-keyout", str(d / "leaf.key"),
        "-out", str(d / "leaf.csr"), "-subj", "/CN=" + HOST,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(d / "leaf.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
        "-CAcreateserial", "-out", str(d / "leaf.pem"), "-days", "30",
    )  # fmt: skip
    return {
        "leaf": (d / "leaf.pem").read_text(),
        "ca": (d / "ca.pem").read_text(),
        "leaf_key": (d / "leaf.key").read_text(),
        "leaf_spki_sha256": _dgst(_spki_der(d / "leaf.pem"), "sha256"),
        "ca_spki_sha256": _dgst(_spki_der(d / "ca.pem"), "sha256"),
        "csr": (d / "leaf.csr").read_text(),
    }


# --------------------------------------------------------------------- TLSA


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("matching", [0, 1, 2])
@pytest.mark.parametrize("selector", [0, 1])
def test_tlsa_from_certificate_matches_openssl(keysets, kind, selector, matching):
    ks = keysets[kind]
    rdata = dns.tlsa_rdata(ks.cert_pem, usage=3, selector=selector, matching=matching)
    assert rdata == "3 %d %d %s" % (selector, matching, ks.expected[(selector, matching)])


KEY_SOURCES = [
    (kind, source)
    for kind in KINDS
    for source in ("key_pem", "traditional_key_pem", "pub_pem", "pkcs1_pub_pem")
    if not (source == "pkcs1_pub_pem" and kind == "ec-p256")  # PKCS#1 is RSA only
]


@pytest.mark.parametrize("kind, source", KEY_SOURCES)
@pytest.mark.parametrize("matching", [1, 2])
def test_tlsa_from_keys_matches_openssl(keysets, kind, source, matching):
    ks = keysets[kind]
    pem = getattr(ks, source)
    assert dns.tlsa_rdata(pem, matching=matching) == "3 1 %d %s" % (matching, ks.expected[(1, matching)])


@pytest.mark.parametrize("kind", KINDS)
def test_tlsa_default_is_3_1_1_sha256_of_spki(keysets, kind):
    ks = keysets[kind]
    assert dns.tlsa_rdata(ks.cert_pem) == "3 1 1 " + ks.expected[(1, 1)]
    assert dns.tlsa_record(ks.cert_pem) == "3 1 1 " + ks.expected[(1, 1)]
    assert re.match(r"^3 1 1 [0-9a-f]{64}$", dns.tlsa_record(ks.cert_pem))


def test_tlsa_bytes_input(keysets):
    ks = keysets["ec-p256"]
    assert dns.tlsa_rdata(ks.cert_pem.encode()) == "3 1 1 " + ks.expected[(1, 1)]


def test_tlsa_chain_uses_leaf(ca_chain):
    chain = ca_chain["leaf"] + ca_chain["ca"]
    assert ca_chain["leaf_spki_sha256"] != ca_chain["ca_spki_sha256"]
    assert dns.tlsa_rdata(chain) == "3 1 1 " + ca_chain["leaf_spki_sha256"]


def test_tlsa_postfix_chain_file_key_first_uses_leaf(ca_chain):
    # smtpd_tls_chain_files order: private key, leaf, intermediates
    chain_file = ca_chain["leaf_key"] + ca_chain["leaf"] + ca_chain["ca"]
    assert dns.tlsa_rdata(chain_file) == "3 1 1 " + ca_chain["leaf_spki_sha256"]


def test_tlsa_first_certificate_wins(ca_chain):
    # The first certificate is taken as given; for DANE-TA (usage 2) pass the CA itself.
    assert dns.tlsa_rdata(ca_chain["ca"] + ca_chain["leaf"], usage=2) == "2 1 1 " + ca_chain["ca_spki_sha256"]


def test_tlsa_surrounding_text_ignored(keysets):
    ks = keysets["rsa:2048"]
    text = "subject=CN = mail.example.org\nissuer=whatever\n" + ks.cert_pem + "\ntrailing junk\n"
    assert dns.tlsa_rdata(text) == "3 1 1 " + ks.expected[(1, 1)]


@pytest.mark.parametrize(
    "usage, selector, matching, prefix",
    [
        ("DANE-EE", "SPKI", "SHA2-256", "3 1 1 "),
        ("dane-ta", "cert", "sha2-512", "2 0 2 "),
        ("3", "1", "1", "3 1 1 "),
        (0, 0, "Full", "0 0 0 "),
        ("PKIX-EE", 1, 1, "1 1 1 "),
    ],
)
def test_tlsa_fields_accept_numbers_strings_and_mnemonics(keysets, usage, selector, matching, prefix):
    assert dns.tlsa_rdata(keysets["ec-p256"].cert_pem, usage, selector, matching).startswith(prefix)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"usage": 4}, "unknown TLSA usage 4"),
        ({"usage": "DANE"}, "unknown TLSA usage 'DANE'"),
        ({"usage": True}, "unknown TLSA usage True"),
        ({"usage": None}, "unknown TLSA usage None"),
        ({"selector": 2}, "unknown TLSA selector 2"),
        ({"selector": -1}, "unknown TLSA selector -1"),
        ({"matching": 3}, "unknown TLSA matching type 3"),
        ({"matching": "sha1"}, "unknown TLSA matching type 'sha1'"),
    ],
)
def test_tlsa_unknown_fields(keysets, kwargs, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.tlsa_record(keysets["ec-p256"].cert_pem, **kwargs)


def test_tlsa_error_lists_choices(keysets):
    with pytest.raises(DnsRecordError, match=r"expected one of 0 \(CERT\), 1 \(SPKI\)"):
        dns.tlsa_rdata(keysets["ec-p256"].cert_pem, selector=5)


@pytest.mark.parametrize(
    "value, message",
    [
        ("not a certificate", "input is not PEM"),
        ("", "input is not PEM"),
        (b"\x30\x82\x01\x0a\xff\xfe", "input is not PEM text (binary data"),
        (None, "input must be PEM text (a string), got NoneType"),
        (42, "input must be PEM text (a string), got int"),
        (
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
            "the first PEM certificate cannot be parsed",
        ),
        (
            "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n",
            "the PEM public key cannot be parsed",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
            "the PEM private key cannot be parsed",
        ),
    ],
)
def test_tlsa_bad_input(value, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.tlsa_rdata(value)


def test_tlsa_csr_only_is_rejected(ca_chain):
    with pytest.raises(
        DnsRecordError, match=r"no certificate or key in the PEM input \(found only: CERTIFICATE REQUEST\)"
    ):
        dns.tlsa_rdata(ca_chain["csr"])


def test_tlsa_private_key_error_does_not_leak_key():
    body = "c2VjcmV0LWtleS1tYXRlcmlhbA=="
    with pytest.raises(DnsRecordError) as info:
        dns.tlsa_rdata("-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % body)
    assert body not in str(info.value)


@needs_openssl
def test_tlsa_encrypted_private_key_rejected(keysets, tmp_path):
    encrypted = _openssl(
        "pkey", "-in", str(keysets["ec-p256"].key), "-aes256", "-passout", "pass:secret"
    ).decode()  # fmt: skip
    with pytest.raises(DnsRecordError, match="private key is encrypted"):
        dns.tlsa_rdata(encrypted)


def test_tlsa_selector_0_needs_certificate(keysets):
    with pytest.raises(DnsRecordError, match=r"selector 0 \(full certificate\) needs a certificate"):
        dns.tlsa_rdata(keysets["ec-p256"].pub_pem, selector=0)


def test_tlsa_zone_line(keysets):
    ks = keysets["ec-p256"]
    digest = ks.expected[(1, 1)]
    assert dns.tlsa_record(ks.cert_pem, host=HOST) == "_25._tcp.mail.example.org. IN TLSA 3 1 1 " + digest
    assert (
        dns.tlsa_record(ks.cert_pem, host="Mail.Example.ORG.", ttl=3600)
        == "_25._tcp.mail.example.org. 3600 IN TLSA 3 1 1 " + digest
    )
    assert (
        dns.tlsa_record(ks.cert_pem, host=HOST, port="465", ttl="300", matching=2)
        == "_465._tcp.mail.example.org. 300 IN TLSA 3 1 2 " + ks.expected[(1, 2)]
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"host": "mail_example.org"}, "TLSA host 'mail_example.org' has an invalid label 'mail_example'"),
        ({"host": "*.example.org"}, "wildcards are not allowed here"),
        ({"host": "-mail.example.org"}, "invalid label '-mail'"),
        ({"host": "mail..example.org"}, "invalid label ''"),
        ({"host": "localhost"}, "is not a fully qualified host name"),
        ({"host": "192.0.2.25"}, "looks like an IP address"),
        ({"host": "a" * 64 + ".example.org"}, "invalid label"),
        ({"host": ["mail.example.org"]}, "TLSA host must be a non-empty string"),
        ({"host": HOST, "port": 0}, "port must be between 1 and 65535, got 0"),
        ({"host": HOST, "port": 70000}, "port must be between 1 and 65535"),
        ({"host": HOST, "port": "smtp"}, "port must be an integer, got 'smtp'"),
        ({"host": HOST, "ttl": -1}, "ttl must be between 0 and 2147483647, got -1"),
        ({"host": HOST, "ttl": 2**31}, "ttl must be between 0 and 2147483647"),
        ({"ttl": "1h"}, "ttl must be an integer, got '1h'"),
        ({"host": HOST, "protocol": "quic"}, "protocol must be tcp, udp or sctp"),
    ],
)
def test_tlsa_zone_line_errors(keysets, kwargs, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.tlsa_record(keysets["ec-p256"].cert_pem, **kwargs)


def test_missing_cryptography_is_reported(monkeypatch, keysets):
    monkeypatch.setattr(dns, "HAS_CRYPTOGRAPHY", False)
    monkeypatch.setattr(dns, "CRYPTOGRAPHY_IMPORT_ERROR", "ImportError: No module named 'cryptography'")
    with pytest.raises(DnsRecordError, match="'cryptography' library is required on the controller"):
        dns.tlsa_rdata(keysets["ec-p256"].cert_pem)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dane_handshake(keyset, rrdata):
    """s_client output of a handshake with an s_server for ``keyset``, checked with ``rrdata``."""
    port = _free_port()
    server = subprocess.Popen(
        [OPENSSL, "s_server", "-quiet", "-accept", "127.0.0.1:%d" % port,
         "-cert", str(keyset.cert), "-key", str(keyset.key)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        output = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            client = subprocess.run(
                [OPENSSL, "s_client", "-brief", "-connect", "127.0.0.1:%d" % port,
                 "-dane_tlsa_domain", HOST, "-dane_tlsa_rrdata", rrdata],
                input=b"", capture_output=True, timeout=20, check=False,
            )  # fmt: skip
            output = (client.stdout + client.stderr).decode(errors="replace")
            if "Protocol version" in output or "verify error" in output.lower():
                return output  # a handshake happened
            time.sleep(0.1)  # server not listening yet
        return output
    finally:
        server.kill()
        server.wait()


@needs_openssl
@pytest.mark.parametrize("kind", ["ec-p256", "rsa:2048"])
def test_tlsa_record_verifies_with_openssl_dane(keysets, kind):
    """OpenSSL's own DANE check accepts the record against a live TLS server."""
    ks = keysets[kind]
    output = _dane_handshake(ks, dns.tlsa_rdata(ks.cert_pem))
    assert "Verification: OK" in output, output
    assert "DANE TLSA 3 1 1" in output, output


@needs_openssl
def test_wrong_tlsa_record_fails_openssl_dane(keysets):
    """Control for the test above: a record for another key does not verify."""
    output = _dane_handshake(keysets["ec-p256"], dns.tlsa_rdata(keysets["rsa:2048"].cert_pem))
    assert "Protocol version" in output or "verify error" in output.lower(), output
    assert "Verification: OK" not in output, output


# ------------------------------------------------------------------ MTA-STS


def test_policy_text_format_crlf():
    text = dns.mta_sts_policy_text(["mx1.example.org", "mx2.example.org"], mode="enforce", max_age=604800)
    assert text == (
        "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: mx2.example.org\r\nmax_age: 604800\r\n"
    )


def test_policy_text_format_lf():
    text = dns.mta_sts_policy_text("mx.example.org", line_ending="lf")
    assert text == "version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 604800\n"


def test_policy_line_order_and_parse_round_trip():
    mx = ["mail.example.org", "*.backup.example.net", "mx3.example.org"]
    text = dns.mta_sts_policy_text(mx, mode="enforce", max_age=1209600)
    parsed = dns.parse_mta_sts_policy(text)
    assert [key for key, _value in parsed.fields] == ["version", "mode", "mx", "mx", "mx", "max_age"]
    assert parsed.version == "STSv1"
    assert parsed.mode == "enforce"
    assert parsed.mx == tuple(mx)
    assert parsed.max_age == 1209600
    assert parsed.line_ending == "crlf"


@pytest.mark.parametrize(
    "text, line_ending",
    [
        ("version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 86400\r\n", "crlf"),
        ("version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 86400\n", "lf"),
        ("version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 86400", "lf"),
        ("version: STSv1\r\nmode: testing\nmx: mx.example.org\r\nmax_age: 86400", "mixed"),
        ("version:STSv1\nmode:   testing\nmx: mx.example.org  \nmax_age: 86400\n", "lf"),
    ],
)
def test_parser_accepts_crlf_or_lf(text, line_ending):
    parsed = dns.parse_mta_sts_policy(text)
    assert (parsed.version, parsed.mode, parsed.mx, parsed.max_age) == ("STSv1", "testing", ("mx.example.org",), 86400)
    assert parsed.line_ending == line_ending


def test_parser_keeps_extensions_and_any_order():
    # RFC 8461 defines no field order; unknown extension fields are allowed.
    text = "max_age: 86400\nmx: a.example.org\nmode: testing\nversion: STSv1\nx-ext.v1: anything\n"
    parsed = dns.parse_mta_sts_policy(text)
    assert parsed.fields[-1] == ("x-ext.v1", "anything")
    assert parsed.mx == ("a.example.org",)


def test_parser_mode_none_without_mx():
    parsed = dns.parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n")
    assert parsed.mx == ()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "policy text is empty"),
        ("mode: testing\nmx: a.example.org\nmax_age: 1\n", "exactly one 'version' field, found 0"),
        ("version: STSv1\nversion: STSv1\nmode: testing\nmx: a.example.org\nmax_age: 1\n", "found 2"),
        ("version: STSv2\nmode: testing\nmx: a.example.org\nmax_age: 1\n", "version must be STSv1"),
        ("version: STSv1\nmode: Enforce\nmx: a.example.org\nmax_age: 1\n", "policy mode must be one of"),
        ("version: STSv1\nmode: testing\nmode: enforce\nmx: a.example.org\nmax_age: 1\n", "'mode' field, found 2"),
        ("version: STSv1\nmode: testing\nmx: a.example.org\n", "'max_age' field, found 0"),
        ("version: STSv1\nmode: testing\nmx: a.example.org\nmax_age: -1\n", "max_age must be 1-10 digits"),
        ("version: STSv1\nmode: testing\nmx: a.example.org\nmax_age: 31557601\n", "exceeds 31557600"),
        ("version: STSv1\nmode: enforce\nmax_age: 604800\n", "needs at least one mx field"),
        ("version: STSv1\nmode: testing\nmx: a.example.org.\nmax_age: 1\n", "must not end in a dot"),
        ("version: STSv1\nmode: testing\nmx: a.*.example.org\nmax_age: 1\n", "invalid label '*'"),
        ("version: STSv1\nmode testing\nmx: a.example.org\nmax_age: 1\n", "policy line 2 is not 'key: value'"),
        ("version: STSv1\n\nmode: testing\nmx: a.example.org\nmax_age: 1\n", "policy line 2"),
        ("version: STSv1\rmode: testing\rmx: a.example.org\rmax_age: 1\r", "bare CR"),
    ],
)
def test_parser_rejects(text, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.parse_mta_sts_policy(text)


@pytest.mark.parametrize("pattern", ["*.example.com", "*.mx.example.co.uk", "mx-1.example.com", "MX.Example.Com."])
def test_mx_patterns_allowed(pattern):
    fields = dns.mta_sts_policy_fields([pattern])
    assert fields[2] == ("mx", pattern.lower().rstrip("."))
    dns.parse_mta_sts_policy(dns.render_mta_sts_policy(fields))


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("*", "is not a fully qualified host name"),
        ("*.com", "needs at least two labels after '*.'"),
        ("*.*.example.com", "a wildcard must be the whole leftmost label"),
        ("mx*.example.com", "a wildcard must be the whole leftmost label"),
        ("mx.*.example.com", "invalid label '*'"),
        ("mx_1.example.com", "invalid label 'mx_1'"),
        ("mx.example.com:25", "invalid label 'com:25'"),
        ("https://mx.example.com", "invalid label"),
        ("198.51.100.7", "looks like an IP address"),
        ("", "mx host must be a non-empty string"),
        (None, "mx host must be a non-empty string"),
    ],
)
def test_mx_patterns_rejected(pattern, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.mta_sts_policy([pattern], "example.com")


def test_mx_normalized_and_deduplicated():
    result = dns.mta_sts_policy(["MX.example.org.", "mx.example.org", "b.example.org"], "example.org")
    assert result["mx"] == ["mx.example.org", "b.example.org"]


def test_mx_must_be_list_or_string():
    with pytest.raises(DnsRecordError, match="mx must be a host name or a list of host names, got dict"):
        dns.mta_sts_policy({"mx": "a.example.org"}, "example.org")


def test_mx_required_unless_mode_none():
    with pytest.raises(DnsRecordError, match="mx must list at least one MX host for mode testing"):
        dns.mta_sts_policy([], "example.org")
    result = dns.mta_sts_policy([], "example.org", mode="none", max_age=86400)
    assert result["policy"] == "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"


@pytest.mark.parametrize(
    "mode, max_age, ok",
    [
        ("enforce", 604800, True),
        ("enforce", 31557600, True),
        ("enforce", "1209600", True),
        ("enforce", 604799, False),
        ("enforce", 86400, False),
        ("enforce", 31557601, False),
        ("testing", 0, True),
        ("testing", 86400, True),
        ("testing", 31557600, True),
        ("testing", 31557601, False),
        ("testing", -1, False),
        ("none", 0, True),
        ("none", 31557601, False),
    ],
)
def test_max_age_ranges(mode, max_age, ok):
    if ok:
        assert dns.mta_sts_policy(["mx.example.org"], "example.org", mode=mode, max_age=max_age)["max_age"] == int(
            max_age
        )
    else:
        with pytest.raises(DnsRecordError, match="max_age"):
            dns.mta_sts_policy(["mx.example.org"], "example.org", mode=mode, max_age=max_age)


def test_max_age_messages():
    with pytest.raises(DnsRecordError, match=r"max_age 86400 is too short for mode enforce: use 604800 \(one week\)"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", mode="enforce", max_age=86400)
    with pytest.raises(DnsRecordError, match=r"max_age must be between 0 and 31557600 seconds"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", max_age=40000000)
    with pytest.raises(DnsRecordError, match=r"max_age must be an integer, got '1w'"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", max_age="1w")
    with pytest.raises(DnsRecordError, match=r"max_age must be an integer, got True"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", max_age=True)


@pytest.mark.parametrize("mode", ["", "strict", None, 1])
def test_bad_mode(mode):
    with pytest.raises(DnsRecordError, match="mode must be one of enforce, testing, none"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", mode=mode)


def test_mode_is_case_insensitive_on_input():
    assert dns.mta_sts_policy(["mx.example.org"], "example.org", mode="Enforce")["mode"] == "enforce"


def test_txt_record_and_urls():
    result = dns.mta_sts_policy(["mx.example.org"], "Example.ORG.", mode="enforce", max_age=604800)
    assert re.match(r'^_mta-sts\.example\.org\. IN TXT "v=STSv1; id=[0-9a-f]{20}"$', result["txt_record"])
    assert result["txt_record"].endswith('id=%s"' % result["id"])
    assert result["policy_host"] == "mta-sts.example.org"
    assert result["policy_url"] == "https://mta-sts.example.org/.well-known/mta-sts.txt"
    with_ttl = dns.mta_sts_policy(["mx.example.org"], "example.org", mode="enforce", max_age=604800, ttl=300)
    assert with_ttl["txt_record"] == '_mta-sts.example.org. 300 IN TXT "v=STSv1; id=%s"' % result["id"]


@pytest.mark.parametrize("domain", [None, "", "   "])
def test_domain_required(domain):
    with pytest.raises(DnsRecordError, match="domain is required"):
        dns.mta_sts_policy(["mx.example.org"], domain)


def test_domain_validated():
    with pytest.raises(DnsRecordError, match=re.escape("domain 'exa mple.org' has an invalid label 'exa mple'")):
        dns.mta_sts_policy(["mx.example.org"], "exa mple.org")


def test_explicit_id():
    result = dns.mta_sts_policy(["mx.example.org"], "example.org", policy_id="20250101T000000")
    assert result["id"] == "20250101T000000"
    assert result["txt_record"] == '_mta-sts.example.org. IN TXT "v=STSv1; id=20250101T000000"'
    assert dns.mta_sts_policy(["mx.example.org"], "example.org", policy_id=2025)["id"] == "2025"


@pytest.mark.parametrize("policy_id", ["2025-01-01", "a" * 33, "id with space", "ü", True, ["x"]])
def test_bad_id(policy_id):
    with pytest.raises(DnsRecordError, match=r"id must be 1 to 32 letters or digits"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", policy_id=policy_id)


def test_default_id_is_stable_and_alphanumeric():
    first = dns.mta_sts_policy(["a.example.org", "b.example.org"], "example.org", mode="enforce")
    again = dns.mta_sts_policy(["A.example.org.", "b.example.org"], "example.org", mode="enforce")
    assert first["id"] == again["id"]
    assert re.match(r"^[A-Za-z0-9]{1,32}$", first["id"])
    # The line terminator is not part of the policy content.
    lf = dns.mta_sts_policy(["a.example.org", "b.example.org"], "example.org", mode="enforce", line_ending="lf")
    assert lf["id"] == first["id"]
    # The TXT owner is not part of the policy either: the same policy on another domain keeps its id.
    assert dns.mta_sts_policy(["a.example.org", "b.example.org"], "example.net", mode="enforce")["id"] == first["id"]


@pytest.mark.parametrize(
    "change",
    [
        {"mx": ["a.example.org"]},
        {"mx": ["b.example.org", "a.example.org"]},
        {"mx": ["a.example.org", "b.example.org", "*.example.org"]},
        {"mode": "testing"},
        {"max_age": 604801},
    ],
)
def test_default_id_changes_with_content(change):
    base = {"mx": ["a.example.org", "b.example.org"], "mode": "enforce", "max_age": 604800}
    changed = dict(base, **change)

    def policy_id(p):
        return dns.mta_sts_policy(p["mx"], "example.org", mode=p["mode"], max_age=p["max_age"])["id"]

    assert policy_id(base) != policy_id(changed)


_MX = st.lists(st.sampled_from(["a.example.org", "b.example.org", "*.example.net", "A.example.org."]), max_size=3)
_POLICY = st.tuples(_MX, st.sampled_from(["testing", "enforce", "none"]), st.sampled_from([604800, 1209600]))


@settings(max_examples=200, deadline=None)
@given(_POLICY, _POLICY)
def test_id_changes_iff_policy_changes(first, second):
    def build(policy):
        mx, mode, max_age = policy
        try:
            return dns.mta_sts_policy(mx, "example.org", mode=mode, max_age=max_age, line_ending="lf")
        except DnsRecordError:
            return None

    one, two = build(first), build(second)
    if one is None or two is None:
        return
    assert (one["id"] == two["id"]) == (one["policy"] == two["policy"])


def test_line_ending_validated():
    with pytest.raises(DnsRecordError, match="line_ending must be crlf or lf"):
        dns.mta_sts_policy(["mx.example.org"], "example.org", line_ending="cr")


def test_txt_rdata_splits_long_values():
    value = "v=TLSRPTv1; rua=" + ",".join("mailto:r%d@example.org" % i for i in range(20))
    rdata = dns.txt_rdata(value)
    chunks = re.findall(r'"([^"]*)"', rdata)
    assert len(chunks) == 2
    assert len(chunks[0].encode()) == 255
    assert "".join(chunks) == value
    with pytest.raises(DnsRecordError, match="must not contain quotes"):
        dns.txt_rdata('a"b')


# ------------------------------------------------------------------ TLS-RPT


@pytest.mark.parametrize(
    "rua, expected",
    [
        ("tls-reports@example.org", '"v=TLSRPTv1; rua=mailto:tls-reports@example.org"'),
        ("mailto:tls@example.org", '"v=TLSRPTv1; rua=mailto:tls@example.org"'),
        (
            ["tls@example.org", "https://reports.example.net/tlsrpt"],
            '"v=TLSRPTv1; rua=mailto:tls@example.org,https://reports.example.net/tlsrpt"',
        ),
    ],
)
def test_tlsrpt_record(rua, expected):
    assert dns.tlsrpt_record(rua, "example.org") == "_smtp._tls.example.org. IN TXT " + expected


def test_tlsrpt_record_ttl():
    assert dns.tlsrpt_record("tls@example.org", "Example.org.", ttl=3600) == (
        '_smtp._tls.example.org. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'
    )


@pytest.mark.parametrize(
    "rua, domain, message",
    [
        ("tls@example.org", None, "domain is required"),
        ("tls@example.org", "", "domain is required"),
        ([], "example.org", "rua must be a report address/URI or a non-empty list"),
        (None, "example.org", "rua must be a report address/URI"),
        ("not an address", "example.org", "is neither a mail address"),
        ("a@example.org,b@example.org", "example.org", "is neither a mail address"),
        ("http://reports.example.org/", "example.org", "is neither a mail address"),
        ("https://", "example.org", "is not a usable https URI"),
        ("https://r.example.org/a;b", "example.org", "is not a usable https URI"),
        ("tls@localhost", "example.org", "rua mail domain 'localhost' is not a fully qualified host name"),
        ([""], "example.org", "rua entries must be non-empty strings"),
    ],
)
def test_tlsrpt_errors(rua, domain, message):
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.tlsrpt_record(rua, domain)


# ---------------------------------------------------------------------- SRV


def test_submission_srv_both():
    assert dns.submission_srv_records("mail.example.org", "example.org") == [
        "_submissions._tcp.example.org. IN SRV 0 1 465 mail.example.org.",
        "_submission._tcp.example.org. IN SRV 0 1 587 mail.example.org.",
    ]


def test_submission_srv_options():
    records = dns.submission_srv_records(
        "Mail.Example.org.", "example.org", submissions="no", submission_port=2587, priority=10, weight=5, ttl=3600
    )
    assert records == ["_submission._tcp.example.org. 3600 IN SRV 10 5 2587 mail.example.org."]


def test_submission_srv_publish_disabled():
    assert dns.submission_srv_records("mail.example.org", "example.org", submission=False, publish_disabled=True) == [
        "_submissions._tcp.example.org. IN SRV 0 1 465 mail.example.org.",
        "_submission._tcp.example.org. IN SRV 0 0 0 .",
    ]


def test_submission_srv_none_enabled():
    assert dns.submission_srv_records("mail.example.org", "example.org", submission=False, submissions=False) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"domain": None}, "domain is required"),
        ({"submission": "maybe"}, "submission must be true or false, got 'maybe'"),
        ({"publish_disabled": "sure", "submission": False}, "publish_disabled must be true or false"),
        ({"submissions_port": 0}, "port must be between 1 and 65535, got 0"),
        ({"priority": 70000}, "priority must be between 0 and 65535"),
        ({"weight": "heavy"}, "weight must be an integer"),
        ({"target": "192.0.2.1"}, "SRV target '192.0.2.1' looks like an IP address"),
    ],
)
def test_submission_srv_errors(kwargs, message):
    options = dict(kwargs)
    target = options.pop("target", "mail.example.org")
    domain = options.pop("domain", "example.org")
    with pytest.raises(DnsRecordError, match=re.escape(message)):
        dns.submission_srv_records(target, domain, **options)
