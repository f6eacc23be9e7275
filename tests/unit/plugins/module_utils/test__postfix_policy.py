# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# ruff: noqa: E501  (fixture data mirrors postconf output and finding texts; splitting hurts reading)
"""Effective per-listener view from postconf text (hand-written, shaped like Postfix 3.7 output)."""

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy as pp

# What `postconf -d` prints on Debian 12 (Postfix 3.7.11) for the names the view needs.
DEFAULTS_TEXT = """\
mail_version = 3.7.11
compatibility_level = 0
myhostname = host.example.net
data_directory = /var/lib/postfix
disable_vrfy_command = no
smtpd_tls_security_level =
smtpd_use_tls = no
smtpd_enforce_tls = no
smtpd_tls_wrappermode = no
smtpd_tls_protocols = >=TLSv1
smtpd_tls_mandatory_protocols = >=TLSv1
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
smtpd_tls_exclude_ciphers =
smtpd_tls_mandatory_exclude_ciphers =
smtpd_tls_ask_ccert = no
smtpd_tls_req_ccert = no
smtpd_tls_auth_only = no
smtpd_tls_cert_file =
smtpd_tls_key_file = $smtpd_tls_cert_file
smtpd_tls_chain_files =
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = $smtpd_sasl_security_options
smtpd_client_restrictions =
smtpd_relay_restrictions = ${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}
smtpd_recipient_restrictions =
smtp_tls_security_level =
smtp_use_tls = no
smtp_enforce_tls = no
smtp_tls_protocols = >=TLSv1
smtp_tls_mandatory_protocols = >=TLSv1
smtp_tls_ciphers = medium
smtp_tls_mandatory_ciphers = medium
smtp_tls_exclude_ciphers =
smtp_tls_mandatory_exclude_ciphers =
smtp_tls_policy_maps =
smtp_tls_cert_file =
smtp_tls_key_file = $smtp_tls_cert_file
tls_high_cipherlist = aNULL:-aNULL:HIGH:@STRENGTH
tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH
"""

USER_MAIN = """\
compatibility_level = 3.6
myhostname = example.com
smtpd_tls_cert_file = /etc/ssl/cacert/certs/example.com.crt
smtpd_tls_key_file = /etc/ssl/cacert/private/example.com.key
smtpd_use_tls = yes
smtpd_tls_auth_only = yes
smtpd_tls_security_level = may
smtpd_tls_mandatory_ciphers = high
smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3
smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache
smtp_tls_cert_file = /etc/ssl/cacert/certs/example.com.crt
smtp_tls_key_file = /etc/ssl/cacert/private/example.com.key
smtp_use_tls = yes
smtp_tls_security_level = may
smtp_tls_mandatory_ciphers = high
smtp_tls_mandatory_protocols = !SSLv2, !SSLv3
smtpd_sasl_type = dovecot
smtpd_sasl_auth_enable = yes
smtpd_recipient_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination
mua_client_restrictions = permit_sasl_authenticated, reject
disable_vrfy_command = yes
"""

# postconf -M prints each service on one line, -o arguments included
SUBMISSION_M = " ".join(
    [
        "submission inet  n       -       -       -       -       smtpd",
        "-o syslog_name=postfix/submission",
        "-o smtpd_tls_security_level=encrypt",
        "-o smtpd_sasl_auth_enable=yes",
        "-o smtpd_client_restrictions=$mua_client_restrictions",
    ]
)
USER_M = (
    """\
smtp       inet  n       -       y       -       -       smtpd
pickup     unix  n       -       y       60      1       pickup
"""
    + SUBMISSION_M
    + """
smtps      inet  n       -       y       -       -       smtpd -o smtpd_tls_wrappermode=yes
127.0.0.1:10025 inet n   -       n       -       -       smtpd -o smtpd_tls_security_level=none
smtp       unix  -       -       y       -       -       smtp
"""
)

USER_P = """\
submission/inet/smtpd_client_restrictions = $mua_client_restrictions
submission/inet/smtpd_sasl_auth_enable = yes
submission/inet/smtpd_tls_security_level = encrypt
submission/inet/syslog_name = postfix/submission
smtps/inet/smtpd_tls_wrappermode = yes
127.0.0.1:10025/inet/smtpd_tls_security_level = none
"""


def view(main_text=USER_MAIN, m_text=USER_M, p_text=USER_P, pem_kinds=None):
    services = pp.attach_overrides(pp.parse_services(m_text), pp.parse_overrides(p_text))
    return pp.build_view(
        pp.parse_params(DEFAULTS_TEXT),
        pp.parse_params(main_text),
        services,
        config_dir="/etc/postfix",
        pem_kinds=pem_kinds,
    )


def by_port(info):
    return {lst["port"]: lst for lst in info["listeners"]}


def test_listeners_are_smtpd_inet_services_only():
    info = view()
    assert [(lst["service"], lst["port"]) for lst in info["listeners"]] == [
        ("smtp", 25),
        ("submission", 587),
        ("smtps", 465),
        ("127.0.0.1:10025", 10025),
    ]
    assert by_port(info)[10025]["loopback"] is True


def test_port_25_uses_opportunistic_parameters_and_ignores_mandatory():
    smtp = by_port(view())[25]
    assert smtp["tls_mode"] == "starttls"
    assert smtp["security_level"] == "may"
    assert smtp["protocols_param"] == "smtpd_tls_protocols"
    assert smtp["protocols"] == ">=TLSv1"  # the default read from postconf -d
    assert smtp["protocols_enabled"] == ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    assert smtp["ciphers_param"] == "smtpd_tls_ciphers"
    assert smtp["exclude_params"] == ["smtpd_tls_exclude_ciphers"]
    assert smtp["anonymous_ciphers_excluded"] is False
    assert smtp["mandatory_settings_ignored"] == {
        "smtpd_tls_mandatory_ciphers": "high",
        "smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3",
    }
    assert smtp["sasl_enabled"] is True
    assert smtp["has_certificate"] is True


def test_submission_uses_mandatory_parameters_and_expands_overrides():
    sub = by_port(view())[587]
    assert sub["tls_mandatory"] is True
    assert sub["protocols_param"] == "smtpd_tls_mandatory_protocols"
    assert sub["protocols"] == "!SSLv2, !SSLv3"
    assert sub["ciphers"] == "high"
    assert sub["exclude_params"] == ["smtpd_tls_exclude_ciphers", "smtpd_tls_mandatory_exclude_ciphers"]
    assert sub["client_restrictions"] == ["permit_sasl_authenticated", "reject"]
    assert sub["relay_restrictions"] == ["permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"]
    assert sub["mandatory_settings_ignored"] == {}
    assert sub["origins"]["smtpd_tls_security_level"] == "master.cf"


def test_wrapper_mode_is_mandatory():
    smtps = by_port(view())[465]
    assert smtps["tls_mode"] == "wrapper"
    assert smtps["tls_mandatory"] is True
    assert smtps["protocols_param"] == "smtpd_tls_mandatory_protocols"


def test_level_none_override():
    assert by_port(view())[10025]["tls_mode"] == "none"


def test_sasl_tls_options_inherit_plain_options():
    main = USER_MAIN + "smtpd_sasl_security_options = noplaintext\n"
    smtp = by_port(view(main))[25]
    assert smtp["sasl_security_options"] == ["noplaintext"]
    assert smtp["sasl_tls_security_options"] == ["noplaintext"]


@pytest.mark.parametrize(
    ("settings", "level", "source"),
    [
        ("smtpd_use_tls = yes\n", "may", "smtpd_use_tls"),
        ("smtpd_use_tls = yes\nsmtpd_enforce_tls = yes\n", "encrypt", "smtpd_enforce_tls"),
        ("", "none", "default"),
        ("smtpd_enforce_tls = yes\nsmtpd_tls_security_level = may\n", "may", "smtpd_tls_security_level"),
    ],
)
def test_legacy_level_only_when_security_level_empty(settings, level, source):
    smtp = by_port(view("compatibility_level = 3.6\n" + settings, "smtp inet n - y - - smtpd\n", ""))[25]
    assert (smtp["security_level"], smtp["security_level_source"]) == (level, source)


def test_exclusions_and_ask_ccert_remove_anull():
    main = USER_MAIN + "smtpd_tls_exclude_ciphers = aNULL, eNULL\n"
    assert by_port(view(main))[25]["anonymous_ciphers_excluded"] is True
    main = USER_MAIN + "smtpd_tls_mandatory_exclude_ciphers = aNULL\n"
    info = view(main)
    assert by_port(info)[587]["anonymous_ciphers_excluded"] is True
    assert by_port(info)[25]["anonymous_ciphers_excluded"] is False  # mandatory exclusions don't reach may
    main = USER_MAIN + "smtpd_tls_ask_ccert = yes\n"
    assert by_port(view(main))[25]["anonymous_ciphers_excluded"] is True
    main = USER_MAIN + "smtpd_tls_mandatory_protocols = >=TLSv1.3\n"
    assert by_port(view(main))[587]["anonymous_ciphers_excluded"] is True  # TLS 1.3 has no aNULL


def test_postscreen_listener_takes_smtpd_pass_settings():
    m_text = (
        "smtp inet n - y - 1 postscreen\n"
        "smtpd pass - - y - - smtpd -o smtpd_sasl_auth_enable=no\n"
        "tlsproxy unix - - y - 0 tlsproxy\n"
    )
    p_text = "smtpd/pass/smtpd_sasl_auth_enable = no\n"
    (lst,) = view(USER_MAIN, m_text, p_text)["listeners"]
    assert (lst["service"], lst["port"], lst["via"]) == ("smtp", 25, "postscreen")
    assert lst["settings_service"] == "smtpd/pass"
    assert lst["sasl_enabled"] is False


def test_outbound_view():
    out = view()["outbound"]
    assert out["security_level"] == "may"
    assert out["tls_mandatory"] is False
    assert out["protocols_param"] == "smtp_tls_protocols"
    assert out["mandatory_settings_ignored"] == {
        "smtp_tls_mandatory_ciphers": "high",
        "smtp_tls_mandatory_protocols": "!SSLv2, !SSLv3",
    }
    main = USER_MAIN.replace("smtp_tls_security_level = may", "smtp_tls_security_level = dane")
    assert view(main)["outbound"]["mandatory_settings_ignored"] == {}
    main = USER_MAIN.replace("smtp_tls_security_level = may\n", "smtp_enforce_tls = yes\n")
    out = view(main)["outbound"]
    assert (out["security_level"], out["tls_mandatory"]) == ("encrypt", True)


def test_deprecated_and_certificates():
    info = view()
    assert sorted(d["parameter"] for d in info["deprecated"]) == ["smtp_use_tls", "smtpd_use_tls"]
    (cert,) = info["certificate_files"]
    assert cert["path"] == "/etc/ssl/cacert/certs/example.com.crt"
    assert cert["key_path"] == "/etc/ssl/cacert/private/example.com.key"
    assert cert["used_by"] == ["smtp", "submission", "smtps", "127.0.0.1:10025", "outbound"]
    assert info["myhostname"] == "example.com"
    assert info["version"] == "3.7.11"


def test_chain_files_and_default_key():
    main = "smtpd_tls_chain_files = /k/ec.pem, /k/rsa.pem\nsmtpd_tls_cert_file = /c/legacy.pem\n"
    info = view(main, "smtp inet n - y - - smtpd\n", "")
    pairs = [(c["path"], c["key_path"]) for c in info["certificate_files"]]
    assert pairs == [("/c/legacy.pem", "/c/legacy.pem"), ("/k/ec.pem", "/k/ec.pem"), ("/k/rsa.pem", "/k/rsa.pem")]


# ---------------------------------------------------------------- expansion


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("btree:${data_directory}/smtpd_scache", "btree:/var/lib/postfix/smtpd_scache"),
        ("$(data_directory)/x", "/var/lib/postfix/x"),
        ("$data_directory/x", "/var/lib/postfix/x"),
        ("$$literal", "$literal"),
        ("$unknown_parameter", ""),
        ("${set?yes-set}", "yes-set"),
        ("${empty?yes-set}", ""),
        ("${empty:fallback}", "fallback"),
        ("${set:fallback}", ""),
        ("${set?{a}:{b}}", "a"),
        ("${empty?{a}:{b}}", "b"),
        ("${{$compatibility_level} <level {1} ? {} : {strict}}", "strict"),
        ("${{$compatibility_level} == {3.6} ? {same} : {other}}", "same"),
        ("$loop", ""),
    ],
)
def test_expand(value, expected):
    table = {
        "data_directory": "/var/lib/postfix",
        "set": "x",
        "empty": "",
        "compatibility_level": "3.6",
        "loop": "$loop",
    }
    assert pp.expand(value, table.get) == expected


def test_compatibility_level_zero_keeps_relay_restrictions_empty():
    smtp = by_port(view("", "smtp inet n - y - - smtpd\n", ""))[25]
    assert smtp["relay_restrictions"] == []


# ---------------------------------------------------------------- protocols and names


@pytest.mark.parametrize(
    ("spec", "enabled"),
    [
        ("", ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]),
        ("!SSLv2, !SSLv3", ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]),
        ("!SSLv2:!SSLv3:!TLSv1:!TLSv1.1", ["TLSv1.2", "TLSv1.3"]),
        (">=TLSv1.2", ["TLSv1.2", "TLSv1.3"]),
        (">=TLSv1", ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]),
        (">=TLSv1.2, <=TLSv1.2", ["TLSv1.2"]),
        ("TLSv1.2 TLSv1.3", ["TLSv1.2", "TLSv1.3"]),
        (">=TLSv1 !TLSv1.1", ["TLSv1", "TLSv1.2", "TLSv1.3"]),
    ],
)
def test_protocols_enabled(spec, enabled):
    assert pp.protocols_enabled(spec) == enabled


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("smtp", (None, 25)),
        ("submission", (None, 587)),
        ("submissions", (None, 465)),
        ("smtps", (None, 465)),
        ("127.0.0.1:10025", ("127.0.0.1", 10025)),
        ("192.0.2.1:smtp", ("192.0.2.1", 25)),
        ("[::1]:587", ("[::1]", 587)),
        ("2525", (None, 2525)),
        ("mystery", (None, None)),
    ],
)
def test_service_address(name, expected):
    assert pp.service_address(name) == expected


def test_master_cf_fallback_parser_matches_postconf_shape():
    text = """# comment
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
#  -o commented=out
"""
    services = pp.parse_services(text)
    assert [s["name"] for s in services] == ["smtp", "submission"]
    assert services[1]["overrides"] == {
        "syslog_name": "postfix/submission",
        "smtpd_client_restrictions": "permit_sasl_authenticated, reject",
    }


def test_main_cf_fallback_parser_joins_continuations_and_last_wins():
    text = (
        "# c\nsmtpd_recipient_restrictions =\n   permit_mynetworks,\n   reject_unauth_destination\nfoo = 1\nfoo = 2\n"
    )
    assert pp.parse_params(text) == {
        "smtpd_recipient_restrictions": "permit_mynetworks, reject_unauth_destination",
        "foo": "2",
    }


# The user's configuration as files: what the module reads when postconf is missing.
USER_MAIN_CF = (
    USER_MAIN.replace(
        "smtpd_recipient_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination\n",
        "smtpd_recipient_restrictions =\n   permit_sasl_authenticated,\n   permit_mynetworks,\n"
        "   reject_unauth_destination\n",
    )
    + "# a comment\nsmtpd_use_tls=yes\n"
)
USER_MASTER_CF = """\
# ==========================================================================
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp       inet  n       -       y       -       -       smtpd
pickup     unix  n       -       y       60      1       pickup
submission inet n       -       -       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
#  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=yes
  -o { smtpd_client_restrictions = $mua_client_restrictions }
smtps      inet  n       -       y       -       -       smtpd
  -o smtpd_tls_wrappermode=yes
127.0.0.1:10025 inet n   -       n       -       -       smtpd -o smtpd_tls_security_level=none
smtp       unix  -       -       y       -       -       smtp
"""


def files_view(main_cf=USER_MAIN_CF, master_cf=USER_MASTER_CF):
    """The fallback path: the files parsed without postconf (defaults kept equal to compare the parsing)."""
    return pp.build_view(
        pp.parse_params(DEFAULTS_TEXT),
        pp.parse_params(main_cf),
        pp.parse_services(master_cf),
        config_dir="/etc/postfix",
        source="files",
    )


def test_files_fallback_gives_the_postconf_view_of_the_user_configuration():
    from_postconf, from_files = view(), files_view()
    assert from_files["listeners"] == from_postconf["listeners"]
    assert from_files["outbound"] == from_postconf["outbound"]
    assert from_files["main"] == from_postconf["main"]
    assert from_files["deprecated"] == from_postconf["deprecated"]
    assert [(s["name"], s["type"], s["overrides"]) for s in from_files["services"]] == [
        (s["name"], s["type"], s["overrides"]) for s in from_postconf["services"]
    ]


def test_overrides_after_an_operand_are_arguments_as_for_postconf():
    # postconf -P lists no override for "-o" after the first operand (getopt stops there).
    text = (
        "submission inet n - y - - smtpd -o syslog_name=postfix/submission operand -o smtpd_tls_security_level=none\n"
    )
    (svc,) = pp.parse_services(text)
    assert svc["overrides"] == {"syslog_name": "postfix/submission"}
    assert svc["args"][-3:] == ["operand", "-o", "smtpd_tls_security_level=none"]


def test_braced_override_values_are_folded_as_postconf_prints_them():
    text = "submission inet n - y - - smtpd\n  -o { smtpd_client_restrictions =\n     permit_sasl_authenticated,   reject }\n"
    (svc,) = pp.parse_services(text)
    assert svc["overrides"] == {"smtpd_client_restrictions": "permit_sasl_authenticated, reject"}
    assert svc["args"] == ["-o", "smtpd_client_restrictions = permit_sasl_authenticated, reject"]


def test_short_services_are_skipped_and_unbalanced_braces_name_the_service():
    assert pp.parse_services("broken inet n - y\nsmtp inet n - y - - smtpd\n")[0]["name"] == "smtp"
    with pytest.raises(ValueError, match=r"submission/inet.*unbalanced"):
        pp.parse_services("submission inet n - y - - smtpd -o { smtpd_sasl_auth_enable=yes\n")


def test_postconf_output_and_leading_whitespace_lines():
    # postconf ignores (and warns about) a logical line that starts with whitespace
    assert pp.parse_params("  myhostname = lead.example\nmyhostname = mx.example\n") == {"myhostname": "mx.example"}
    assert pp.parse_overrides("smtps/inet/smtpd_tls_wrappermode = yes\n[::1]:25/inet/syslog_name = lo\n") == {
        ("smtps", "inet"): {"smtpd_tls_wrappermode": "yes"},
        ("[::1]:25", "inet"): {"syslog_name": "lo"},
    }


def test_mandatory_settings_are_not_ignored_when_the_opportunistic_twins_are_set_too():
    main = USER_MAIN + "smtpd_tls_protocols = >=TLSv1.2\nsmtpd_tls_ciphers = medium\n"
    assert by_port(view(main))[25]["mandatory_settings_ignored"] == {}
    # only the twin that is left unset is reported
    main = USER_MAIN + "smtpd_tls_protocols = >=TLSv1.2\n"
    assert by_port(view(main))[25]["mandatory_settings_ignored"] == {"smtpd_tls_mandatory_ciphers": "high"}


def test_outbound_mandatory_settings_serve_a_policy_table():
    main = USER_MAIN + "smtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n"
    assert view(main)["outbound"]["mandatory_settings_ignored"] == {}


@pytest.mark.parametrize(
    "paths,kinds,pairs",
    [
        # key and certificate in separate files, two algorithms (the role's layout)
        (
            ["ec.key", "ec.crt", "rsa.key", "rsa.crt"],
            {"ec.key": {"key"}, "ec.crt": {"cert"}, "rsa.key": {"key"}, "rsa.crt": {"cert"}},
            [("ec.crt", "ec.key"), ("rsa.crt", "rsa.key")],
        ),
        # key and chain in one file each
        (
            ["ec.pem", "rsa.pem"],
            {"ec.pem": {"key", "cert"}, "rsa.pem": {"key", "cert"}},
            [("ec.pem", "ec.pem"), ("rsa.pem", "rsa.pem")],
        ),
        # leaf and intermediates split after one key
        (["k", "leaf", "ca"], {"k": {"key"}, "leaf": {"cert"}, "ca": {"cert"}}, [("leaf", "k"), ("ca", "k")]),
        # an unreadable file is taken for a certificate so inspection says why it fails
        (["k", "missing"], {"k": {"key"}}, [("missing", "k")]),
    ],
)
def test_pair_chain_files(paths, kinds, pairs):
    assert pp.pair_chain_files(paths, kinds) == pairs


def test_chain_files_are_paired_into_certificate_and_key():
    main = USER_MAIN + "smtpd_tls_chain_files = /t/ec.key, /t/ec.crt, /t/rsa.key, /t/rsa.crt\n"
    kinds = {"/t/ec.key": {"key"}, "/t/ec.crt": {"cert"}, "/t/rsa.key": {"key"}, "/t/rsa.crt": {"cert"}}
    info = view(main, pem_kinds=kinds)
    chain = [(c["path"], c["key_path"]) for c in info["certificate_files"] if "smtpd_tls_chain_files" in c["params"]]
    assert chain == [("/t/ec.crt", "/t/ec.key"), ("/t/rsa.crt", "/t/rsa.key")]
