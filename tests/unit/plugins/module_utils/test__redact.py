# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils._redact import MASK, is_secret_name, redact

SECRET = "hunter2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("smtp_sasl_password_maps = static:user:hunter2\n", "smtp_sasl_password_maps = static:%s\n" % MASK),
        ("smtp_sasl_password_maps=static:{user:hunter2 x}\n", "smtp_sasl_password_maps=static:{%s}\n" % MASK),
        (
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd, inline:{ relay = u:hunter2,\n  b = c:hunter2 }\n",
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd, inline:{%s}\n" % MASK,
        ),
        ("  -o smtp_sasl_password_maps=static:u:hunter2 -o syslog_name=x\n", None),
        ("  -o { smtp_sasl_password_maps = static:u:hunter2 } -o x=y\n", None),
        ("relay_password = hunter2\n", "relay_password = %s\n" % MASK),
        ("unused parameter: smtp_sasl_pasword_maps=static:u:hunter2", None),
        ("lmtp_sasl_password_maps = inline:{h=u:hunter2}\n", None),
    ],
)
def test_inline_credentials_are_redacted(text, expected):
    out = redact(text)
    assert SECRET not in out
    assert MASK in out
    if expected is not None:
        assert out == expected


@pytest.mark.parametrize(
    "text",
    [
        "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n",
        "smtpd_sasl_path = private/auth\n",
        "smtpd_sasl_auth_enable = yes\n",
        "smtpd_tls_security_level = encrypt\n",
        "  -o syslog_name=postfix/submission -o smtpd_sasl_auth_enable=yes\n",
        "",
        "smtpd_client_restrictions = static:OK\n",  # not a credential parameter
    ],
)
def test_values_without_credentials_are_unchanged(text):
    assert redact(text) == text


def test_other_overrides_on_the_line_stay_visible():
    out = redact("  -o smtp_sasl_password_maps=static:u:hunter2 -o syslog_name=postfix/relay\n")
    assert "-o syslog_name=postfix/relay" in out


def test_secret_names():
    assert is_secret_name("smtp_sasl_password_maps")
    assert is_secret_name("relay_password")
    assert not is_secret_name("smtpd_tls_security_level")
