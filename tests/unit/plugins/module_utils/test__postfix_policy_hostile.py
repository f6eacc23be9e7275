# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The effective view reads values as Postfix does (issue 17, item 2): ASCII white space only."""

import importlib.util
import os

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _certinfo
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy as pp

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("policy_cases", os.path.join(_HERE, "test__postfix_policy.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

NBSP = "\u00a0"


def test_nbsp_after_encrypt_in_postconf_p_output_stays_in_the_level():
    info = cases.view(p_text=cases.USER_P.replace("security_level = encrypt", "security_level = encrypt" + NBSP))
    submission = cases.by_port(info)[587]
    assert submission["security_level"] == "encrypt" + NBSP
    # Postfix does not know that level: the mandatory parameters are not in force.
    assert submission["tls_mandatory"] is False


def test_nbsp_in_main_cf_value_is_kept_but_ascii_space_is_trimmed():
    params = pp.parse_params("smtpd_tls_security_level = may" + NBSP + " \t\nsmtpd_tls_auth_only =\tyes \n")
    assert params == {"smtpd_tls_security_level": "may" + NBSP, "smtpd_tls_auth_only": "yes"}


def test_nbsp_is_not_a_list_separator():
    info = cases.view(main_text=cases.USER_MAIN + "smtpd_sasl_security_options = noanonymous," + NBSP + "noplaintext\n")
    assert cases.by_port(info)[25]["sasl_security_options"] == ["noanonymous", NBSP + "noplaintext"]


def test_nbsp_in_protocol_list_is_not_a_separator():
    assert pp.cipher_tokens(">=TLSv1.2" + NBSP + "!TLSv1") == [">=TLSv1.2" + NBSP + "!TLSv1"]
    assert pp.cipher_tokens(">=TLSv1.2 : !TLSv1,\t!SSLv3") == [">=TLSv1.2", "!TLSv1", "!SSLv3"]


def test_nbsp_in_certificate_path_is_part_of_the_path():
    info = cases.view(main_text=cases.USER_MAIN + "smtpd_tls_cert_file = /etc/ssl/mx.pem" + NBSP + "\n")
    assert "/etc/ssl/mx.pem" + NBSP in [entry["path"] for entry in info["certificate_files"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # str.isdigit() takes superscript digits, int() does not: no crash, no numeric compare.
        ("${{\u00b2} < {1} ? {lt} : {ge}}", "ge"),
        ("${{2} <level {1\u00b2} ? {lt} : {ge}}", "ge"),
        ("${{9} < {10} ? {lt} : {ge}}", "lt"),
    ],
)
def test_expand_with_unicode_digits_does_not_crash(value, expected):
    assert pp.expand(value, lambda name: None) == expected


def test_service_name_with_unicode_digits_has_no_port():
    assert pp.service_address("\u00b2\u00b5") == (None, None)
    assert pp.service_address("127.0.0.1:\u00b2") == ("127.0.0.1", None)


PEM_BODY = "MIIBszCCAVmgAwIBAgIUQ\nAAAA==\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-----BEGIN CERTIFICATE-----\n" + PEM_BODY + "-----END CERTIFICATE-----\n", "CERTIFICATE"),
        ("junk\n-----BEGIN X509 CERTIFICATE-----\n" + PEM_BODY + "-----END X509 CERTIFICATE-----", "X509"),
        # a key first, as in smtpd_tls_chain_files: the certificate after it is the leaf
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n"
            + PEM_BODY
            + "-----END CERTIFICATE-----\n",
            "CERTIFICATE",
        ),
        ("", None),
        ("\x00\xff binary garbage", None),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", None),
        # the first certificate is malformed: openssl and Postfix stop there, so does this
        (
            "-----BEGIN CERTIFICATE-----\n\u00e4\u00e4\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"
            + PEM_BODY
            + "-----END CERTIFICATE-----\n",
            None,
        ),
        # mismatched labels are not a block
        ("-----BEGIN CERTIFICATE-----\n" + PEM_BODY + "-----END X509 CERTIFICATE-----\n", None),
    ],
)
def test_first_certificate_pem(text, expected):
    block = _certinfo.first_certificate_pem(text)
    if expected is None:
        assert block is None
    else:
        assert block.startswith("-----BEGIN %s" % expected) and block.endswith("CERTIFICATE-----\n")
        assert block.isascii()


def test_checkhost_verdict_decides_over_the_printed_names():
    text = "X509v3 Subject Alternative Name: \n    DNS:evil.example, DNS:mx.example.org\n"
    facts = _certinfo.certificate_facts(text, "mx.example.org")
    assert facts["covers_hostname"] is True  # what the printed text alone suggests
    verdict = text + "Hostname mx.example.org does NOT match certificate\n"
    assert _certinfo.certificate_facts(verdict, "mx.example.org")["covers_hostname"] is False
    assert _certinfo.checkhost_verdict("Hostname a.b does match certificate\n", "a.b") is True
    assert _certinfo.checkhost_verdict("Hostname other does match certificate\n", "a.b") is None
    assert _certinfo.checkhost_verdict("anything", "") is None
