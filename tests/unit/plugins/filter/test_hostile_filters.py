# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters on hostile input (issue 17, item 12): weak keys for tlsa_record, non-postfix_info input for tls_findings."""

import importlib.util
import os
import subprocess

import pytest
from ansible.errors import AnsibleFilterError
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.filter.tlsa_record import tlsa_record
from ansible_collections.mailsec.postfix.plugins.module_utils import _dns_records, _findings

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "findings_cases", os.path.join(_HERE, "..", "module_utils", "test__findings.py")
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def _public_pem(key):
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _openssl_cert(tmp_path, newkey):
    """A self-signed certificate made by the openssl command (cryptography refuses to make RSA-512)."""
    cert = tmp_path / "c.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", newkey, "-nodes", "-keyout", str(tmp_path / "k.pem")),
            *("-out", str(cert), "-days", "2", "-subj", "/CN=mx.example.org"),
        ],
        check=True,
        capture_output=True,
    )
    return cert.read_text()


# ------------------------------------------------------------------ tlsa_record and weak keys


def test_rsa_512_certificate_is_refused_with_a_clear_error(tmp_path):
    pem = _openssl_cert(tmp_path, "rsa:512")
    with pytest.raises(AnsibleFilterError, match=r"tlsa_record: the key is RSA-512; RSA keys below 2048 bits"):
        tlsa_record(pem)
    with pytest.raises(AnsibleFilterError, match="RSA-512"):
        tlsa_record(pem, host="mx.example.org", selector=0)


def test_weak_ec_curve_certificate_is_refused(tmp_path):
    pem = _openssl_cert(tmp_path, "ec:" + _ec_params(tmp_path, "prime192v1"))
    with pytest.raises(AnsibleFilterError, match=r"curve \(192 bits\)"):
        tlsa_record(pem)


def _ec_params(tmp_path, curve):
    path = tmp_path / ("%s.param" % curve)
    subprocess.run(
        ["openssl", "ecparam", "-name", curve, "-out", str(path)],
        check=True,
        capture_output=True,
    )
    return str(path)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (rsa.generate_private_key(65537, 1024), "RSA-1024"),
        (ec.generate_private_key(ec.SECP224R1()), "secp224r1"),
        (dsa.generate_private_key(1024), "DSA-1024"),
    ],
    ids=["rsa-1024", "p-224", "dsa-1024"],
)
def test_weak_public_and_private_keys_are_refused(key, reason):
    with pytest.raises(AnsibleFilterError, match=reason):
        tlsa_record(_public_pem(key))
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(AnsibleFilterError, match=reason) as info:
        tlsa_record(private)
    assert "PRIVATE" not in str(info.value)


@pytest.mark.parametrize(
    "key",
    [
        rsa.generate_private_key(65537, 2048),
        ec.generate_private_key(ec.SECP256R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["rsa-2048", "p-256", "ed25519"],
)
def test_strong_keys_still_give_records(key):
    assert tlsa_record(_public_pem(key)).startswith("3 1 1 ")


def test_weak_key_omit_gives_an_empty_string_and_strong_keys_a_record(tmp_path):
    weak = _openssl_cert(tmp_path, "rsa:512")
    strong = _public_pem(ec.generate_private_key(ec.SECP256R1()))
    lines = [tlsa_record(pem, host="mx.example.org", weak_key="omit") for pem in (weak, strong)]
    assert lines[0] == ""
    assert lines[1].startswith("_25._tcp.mx.example.org. IN TLSA 3 1 1 ")


def test_weak_key_option_is_validated():
    strong = _public_pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(AnsibleFilterError, match="weak_key must be one of fail, omit"):
        tlsa_record(strong, weak_key="ignore")


def test_weak_key_omit_still_reports_input_that_is_not_pem():
    with pytest.raises(AnsibleFilterError, match="not PEM"):
        tlsa_record("garbage", weak_key="omit")


def test_weak_key_reason_matches_the_weak_key_finding_floor():
    """The filter refuses exactly what the weak_key finding calls high for RSA and EC."""
    assert _dns_records.MIN_RSA_BITS == 2048 and _dns_records.MIN_EC_BITS == 256
    assert _dns_records.weak_key_reason(rsa.generate_private_key(65537, 2047).public_key()) is not None
    assert _dns_records.weak_key_reason(rsa.generate_private_key(65537, 2048).public_key()) is None


def test_certificate_with_a_weak_key_is_also_parsed_by_cryptography(tmp_path):
    # The refusal is about the key, not a parse failure: the certificate itself loads.
    pem = _openssl_cert(tmp_path, "rsa:512")
    assert x509.load_pem_x509_certificate(pem.encode()).public_key().key_size == 512


# ------------------------------------------------------------------ tls_findings on input that is not postfix_info


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "missing listeners, outbound, certificates, deprecated, disable_vrfy_command"),
        ({"changed": False, "msg": "ok"}, "missing listeners"),
        ({"failed": True, "msg": "postconf -n failed"}, "failed task result ('postconf -n failed')"),
        ({"skipped": True, "changed": False}, "skipped task result"),
        ({"postfix_info": {}}, "missing listeners"),
        ({"postfix_info": None}, "expected the postfix_info dict, got NoneType"),
        (None, "expected the postfix_info dict, got NoneType"),
        ("postfix_info", "expected the postfix_info dict, got str"),
        ([], "expected the postfix_info dict, got list"),
    ],
    ids=["empty", "other-module", "failed", "skipped", "empty-inner", "none-inner", "none", "string", "list"],
)
def test_input_that_is_not_a_postfix_info_result_is_an_error(value, message):
    with pytest.raises(AnsibleFilterError) as info:
        tls_findings(value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("listeners", {"smtp": {}}, "listeners must be a list, got dict"),
        ("outbound", [], "outbound must be a Mapping, got list"),
        ("certificates", "none", "certificates must be a list, got str"),
        ("disable_vrfy_command", "no", "disable_vrfy_command must be a bool, got str 'no'"),
        ("listeners", ["smtp"], "listeners[0] must be a dict, got str"),
        ("listeners", [{"port": 25}], "listeners[0] has no service name"),
        ("certificates", [None], "certificates[0] must be a dict, got NoneType"),
    ],
)
def test_wrong_types_are_named(key, bad, message):
    info = cases.clean_info()
    info[key] = bad
    with pytest.raises(AnsibleFilterError) as error:
        tls_findings(info)
    assert message in str(error.value)


def test_empty_dict_gives_no_vrfy_finding_but_an_error():
    """The reported bug: {} used to yield [vrfy_enabled] as if it were a server."""
    with pytest.raises(AnsibleFilterError, match="malformed postfix_info"):
        tls_findings({})


def test_a_real_shaped_result_still_passes():
    assert tls_findings(cases.clean_info()) == _findings.findings(cases.clean_info())
