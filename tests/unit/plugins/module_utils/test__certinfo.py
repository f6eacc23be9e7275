# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate facts from openssl text output (samples shaped like OpenSSL 3.0)."""

import datetime

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _certinfo

SELF_SIGNED_WILDCARD = """\
Certificate:
    Data:
        Version: 3 (0x2)
        Serial Number:
            1a:2b
        Signature Algorithm: sha256WithRSAEncryption
        Issuer: CN = *.example.com
        Validity
            Not Before: Nov 28 01:00:47 2026 GMT
            Not After : Dec  8 01:00:47 2026 GMT
        Subject: CN = *.example.com
        Subject Public Key Info:
            Public Key Algorithm: rsaEncryption
                Public-Key: (4096 bit)
                Modulus:
                    00:c3
                Exponent: 65537 (0x10001)
        X509v3 extensions:
            X509v3 Subject Key Identifier:
                DC:25:1B
            X509v3 Authority Key Identifier:
                DC:25:1B
            X509v3 Basic Constraints: critical
                CA:TRUE
            X509v3 Subject Alternative Name:
                DNS:*.example.com, IP Address:192.0.2.1
    Signature Algorithm: sha256WithRSAEncryption
"""

CA_ISSUED_EC = """\
Certificate:
    Data:
        Issuer: C = US, O = Let's Encrypt, CN = E5
        Validity
            Not Before: Oct  1 00:00:00 2026 GMT
            Not After : Dec 30 23:59:59 2026 GMT
        Subject: CN = mx.example.com
        Subject Public Key Info:
            Public Key Algorithm: id-ecPublicKey
                Public-Key: (256 bit)
                ASN1 OID: prime256v1
        X509v3 extensions:
            X509v3 Subject Key Identifier:
                AA:BB
            X509v3 Authority Key Identifier:
                keyid:CC:DD
            X509v3 Subject Alternative Name:
                DNS:mx.example.com, DNS:example.com
"""

NO_SAN = """\
        Issuer: C = DE, O = "Ex, Inc", CN = mail.example.org
            Not After : Jan  1 00:00:00 2020 GMT
        Subject: C = DE, O = "Ex, Inc", CN = mail.example.org
            Public Key Algorithm: ED25519
"""

NOW = datetime.datetime(2026, 11, 28, 12, 0, 0)


def test_self_signed_wildcard():
    facts = _certinfo.parse_x509_text(SELF_SIGNED_WILDCARD, now=NOW)
    assert facts["subject"] == "CN = *.example.com"
    assert facts["common_name"] == "*.example.com"
    assert facts["sans"] == ["*.example.com"]
    assert facts["self_signed"] is True
    assert facts["not_after"] == "2026-12-08T01:00:47Z"
    assert facts["days_left"] == 9
    assert facts["expired"] is False
    assert (facts["key_type"], facts["key_bits"]) == ("RSA", 4096)


def test_ca_issued_ec():
    facts = _certinfo.parse_x509_text(CA_ISSUED_EC, now=NOW)
    assert facts["self_signed"] is False
    assert facts["sans"] == ["mx.example.com", "example.com"]
    assert (facts["key_type"], facts["key_bits"]) == ("EC", 256)


def test_no_san_falls_back_to_cn_and_expired():
    facts = _certinfo.parse_x509_text(NO_SAN, now=NOW)
    assert facts["common_name"] == "mail.example.org"
    assert _certinfo.names_for_matching(facts) == ["mail.example.org"]
    assert facts["expired"] is True
    assert facts["days_left"] < 0
    assert facts["key_type"] == "ED25519"
    assert facts["self_signed"] is True


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*.example.com", "mx.example.com", True),
        ("*.example.com", "MX.Example.COM.", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.com", "example.com", False),
        ("mx.example.com", "mx.example.com", True),
        ("mx.example.com", "mx2.example.com", False),
        ("", "example.com", False),
    ],
)
def test_name_matches_single_label_wildcard(pattern, host, expected):
    assert _certinfo.name_matches(pattern, host) is expected


def test_certificate_facts_cover_and_key_match():
    pub = "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\nKoZIzj0C\n-----END PUBLIC KEY-----\n"
    other = "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\nXXXXXXXX\n-----END PUBLIC KEY-----\n"
    facts = _certinfo.certificate_facts(SELF_SIGNED_WILDCARD, "example.com", pub, pub, now=NOW)
    assert facts["covers_hostname"] is False
    assert facts["key_matches"] is True
    facts = _certinfo.certificate_facts(CA_ISSUED_EC, "example.com", pub, other, now=NOW)
    assert facts["covers_hostname"] is True
    assert facts["key_matches"] is False
    assert _certinfo.certificate_facts(CA_ISSUED_EC, "example.com", pub, None, now=NOW)["key_matches"] is None


def test_unparsable_date():
    assert _certinfo.parse_openssl_date("not a date") is None
    assert _certinfo.parse_openssl_date(None) is None
