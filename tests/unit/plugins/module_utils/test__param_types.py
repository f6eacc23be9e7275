# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _param_types


@pytest.mark.parametrize(
    ("name", "value", "wording"),
    [
        ("message_size_limit", "10M", "bad numerical configuration: message_size_limit = 10M"),
        ("message_size_limit", "1.5", "bad numerical configuration"),
        ("message_size_limit", "99999999999999999999", "bad numerical configuration"),
        ("smtpd_tls_loglevel", "99999999999", "bad numerical configuration"),
        ("smtpd_tls_auth_only", "maybe", "bad boolean configuration: smtpd_tls_auth_only = maybe"),
        ("smtpd_tls_auth_only", "", "bad boolean configuration: smtpd_tls_auth_only = "),
        ("smtpd_tls_auth_only", "true", "bad boolean configuration"),
        ("smtpd_tls_security_level", "encrypted", 'Invalid TLS level "encrypted"'),
        ("smtpd_tls_security_level", "dane", 'Invalid TLS level "dane"'),
        ("postscreen_tls_security_level", "dane-only", 'Invalid TLS level "dane-only"'),
        ("smtp_tls_security_level", "strict", 'Invalid TLS level "strict"'),
        ("smtpd_tls_security_level", "encrypt\u00a0", 'Invalid TLS level "encrypt\\xa0"'),
        ("ipc_timeout", "5x", "parameter ipc_timeout: bad time value or unit: 5x"),
        ("ipc_timeout", "5 s", "bad time value or unit"),
        ("ipc_timeout", "-1", "bad time value or unit"),
        ("ipc_timeout", "5S", "bad time value or unit"),
        ("ipc_timeout", "9999999w", "bad time value or unit"),
        ("smtpd_tls_protocols", ">=TLSv1.4", "unknown protocol >=TLSv1.4"),
        ("smtpd_tls_protocols", "!SSLv2, TLS1.2", "unknown protocol TLS1.2"),
        ("smtpd_tls_mandatory_ciphers", "strong", "invalid value 'strong'"),
        ("smtpd_sasl_security_options", "noanonymous, noplaintxt", 'value "noplaintxt"'),
        ("smtpd_sasl_type", "saslauthd", "invalid value 'saslauthd'"),
        ("inet_protocols", "ipv4, ipv5", 'value "ipv5"'),
        ("default_process_limit", "0", "invalid default_process_limit parameter value 0 < 1"),
        ("smtpd_forbid_bare_newline", "maybe", "invalid value 'maybe'"),
    ],
)
def test_value_postfix_refuses_is_named_in_postfix_words(name, value, wording):
    problem = _param_types.check_value(name, value)
    assert problem is not None
    assert name in problem
    assert wording in problem


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("message_size_limit", "10240000"),
        ("message_size_limit", " 0"),
        ("smtpd_tls_auth_only", "YES"),
        ("smtpd_tls_auth_only", "no"),
        ("smtpd_tls_security_level", "Encrypt"),
        ("smtpd_tls_security_level", ""),
        ("smtpd_tls_security_level", "verify"),  # smtpd warns and uses encrypt
        ("smtp_tls_security_level", "dane-only"),
        ("ipc_timeout", "3600"),
        ("ipc_timeout", "10m"),
        ("ipc_timeout", "5sec"),  # conv_time reads the first letter after the number only
        ("smtpd_tls_protocols", ">=TLSv1.2"),
        ("smtpd_tls_protocols", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"),
        ("smtpd_tls_protocols", "!SSLv2:!SSLv3"),
        ("smtpd_tls_protocols", ""),
        ("smtpd_tls_mandatory_ciphers", "HIGH"),
        ("smtpd_sasl_security_options", "noanonymous, noplaintext"),
        ("smtpd_sasl_security_options", ""),
        ("inet_protocols", "ipv4, ipv6"),
        ("smtpd_forbid_bare_newline", "normalize"),
        ("smtpd_tls_security_level", "$my_level"),  # checked after expansion by the caller
        ("no_such_parameter_in_the_table", "anything"),
    ],
)
def test_value_postfix_accepts_passes(name, value):
    assert _param_types.check_value(name, value) is None


def test_expanded_value_is_checked_even_with_dollar():
    assert _param_types.check_value("smtpd_tls_auth_only", "$x") is None
    assert "bad boolean" in _param_types.check_value("smtpd_tls_auth_only", "$x", expanded=True)


def test_check_values_returns_one_complaint_per_bad_parameter():
    problems = _param_types.check_values(
        {"smtpd_tls_auth_only": "maybe", "smtpd_tls_loglevel": "1", "message_size_limit": "10M"}
    )
    assert sorted(problems) == ["message_size_limit", "smtpd_tls_auth_only"]


def test_every_table_entry_has_a_check():
    kinds = {spec["kind"] for spec in _param_types.PARAM_TYPES.values()}
    for kind in kinds:
        assert kind in _param_types._CHECKS


def test_shown_text_makes_invisible_characters_visible():
    assert _param_types.shown_text("encrypt\u00a0") == "encrypt\\xa0"
    assert _param_types.shown_text("a\tb") == "a\\tb"
    assert _param_types.shown_text("plain") == "plain"
