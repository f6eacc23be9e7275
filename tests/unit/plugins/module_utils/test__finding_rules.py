# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rule table alone: each rule's check on a minimal subject, its severity per profile and
case, and the table's own consistency (ids, scopes, severities, whole-sentence messages).

test__findings*.py judge whole postfix_info results through ``findings()``; here a rule sees
only the few keys it reads.
"""

import re

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _finding_rule, _findings, _profiles
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _baseline


def ctx(profile="intermediate", **info):
    return _finding_rule.Context.of(info, profile)


def run(fid, subject, profile="intermediate", scope=None, **info):
    """The findings of one rule on one subject."""
    return _findings.rule(fid, scope).evaluate(subject, ctx(profile, **info))


def severities(fid, scope=None, case=None):
    rule = _findings.rule(fid, scope)
    return [rule.severity_for(profile, case) for profile in _profiles.PROFILES]


def listener(service="submission", port=587, **kw):
    return dict({"service": service, "port": port}, **kw)


def cert(**kw):
    return dict({"path": "/etc/ssl/mx.pem", "params": ["smtpd_tls_chain_files"], "used_by": ["smtp"]}, **kw)


# ---------------------------------------------------------------- the table


def test_every_catalogue_id_has_a_rule_and_every_rule_a_catalogue_id():
    assert {rule.id for rule in _findings.RULES} == set(_findings.FINDING_IDS)
    keys = [(rule.id, rule.scope) for rule in _findings.RULES]
    assert len(keys) == len(set(keys))
    assert {rule.scope for rule in _findings.RULES} == set(_finding_rule.SCOPES)


def test_the_groups_hold_only_rules_of_their_scope_in_a_fixed_order():
    assert [scope for scope, _rules in _findings.RULE_GROUPS] == [
        "listener",
        "outbound",
        "relay",
        "certificate",
        "global",
    ]
    for scope, rules in _findings.RULE_GROUPS:
        assert rules and all(rule.scope == scope for rule in rules)


def _cases(severity):
    if isinstance(severity, dict) and not set(severity) <= set(_profiles.PROFILES):
        return list(severity)
    return [None]


def test_each_id_has_one_title_and_help_in_whole_sentences():
    titled = [rule for rule in _findings.RULES if rule.title or rule.help]
    assert sorted(rule.id for rule in titled) == sorted(_findings.FINDING_IDS)  # once per id
    for rule in titled:
        assert rule.title and not rule.title[:1].islower() and not rule.title.endswith("."), rule.id
        assert rule.help.endswith("."), rule.id
        assert "%(" not in rule.title + rule.help, rule.id  # no per-host facts: the finding has them


@pytest.mark.parametrize("rule", _findings.RULES, ids=lambda r: "%s-%s" % (r.scope, r.id))
def test_every_severity_is_one_of_the_four_for_every_profile_and_case(rule):
    for case in _cases(rule.severity):
        for profile in _profiles.PROFILES:
            assert rule.severity_for(profile, case) in _findings.SEVERITIES


@pytest.mark.parametrize("rule", _findings.RULES, ids=lambda r: "%s-%s" % (r.scope, r.id))
def test_messages_are_whole_sentences(rule):
    message = rule.message
    assert message.endswith(".") and "  " not in message and not message.startswith(" ")
    first = message.split()[0]
    # a placeholder (a service label, a path, a parameter list), a Postfix parameter, or a capital
    assert first.startswith("%(") or "_" in first or first[0].isupper(), first
    # no sentence runs into the next without a space
    assert not re.search(r"[a-z]\.[A-Z]", message)


def test_rule_lookup_needs_the_scope_only_for_the_shared_id():
    assert _findings.rule("vrfy_enabled").scope == "global"
    assert _findings.rule("mandatory_settings_ignored", "outbound").scope == "outbound"
    with pytest.raises(KeyError):
        _findings.rule("mandatory_settings_ignored")
    with pytest.raises(KeyError):
        _findings.rule("no_such_rule")


def test_a_profile_mapping_of_none_silences_the_rule_under_that_profile():
    rule = _finding_rule.Rule(
        "vrfy_enabled", "global", {"interop": None, "intermediate": "low", "modern": "high"}, lambda s, c: {}, "M.", "F"
    )
    assert rule.evaluate({}, ctx("interop")) == []
    assert [f["severity"] for f in rule.evaluate({}, ctx("modern"))] == ["high"]


def test_a_template_naming_an_unknown_fact_is_the_rules_bug_not_malformed_input():
    rule = _finding_rule.Rule("vrfy_enabled", "global", "low", lambda s, c: {}, "%(nothing)s.", "F")
    with pytest.raises(ValueError, match="no fact 'nothing' for a global rule"):
        rule.evaluate({}, ctx())


# ---------------------------------------------------------------- listener rules


def test_auth_on_public_smtp_needs_port_25_and_auth():
    (hit,) = run("auth_on_public_smtp", listener("smtp", 25, sasl_enabled=True))
    assert hit == {
        "id": "auth_on_public_smtp",
        "severity": "high",
        "service": "smtp",
        "message": hit["message"],
        "fix": hit["fix"],
    }
    assert hit["message"].startswith("SASL AUTH is offered on smtp (port 25), the server-to-server MX port.")
    assert hit["fix"].startswith("main.cf: smtpd_sasl_auth_enable = no; ")
    assert run("auth_on_public_smtp", listener("smtp", 25)) == []
    assert run("auth_on_public_smtp", listener(sasl_enabled=True)) == []


def test_the_fix_goes_to_the_service_that_overrides_the_parameter():
    lst = listener(
        "smtp", 25, sasl_enabled=True, settings_service="smtpd/pass", overrides={"smtpd_sasl_auth_enable": "yes"}
    )
    assert run("auth_on_public_smtp", lst)[0]["fix"].startswith(
        "master.cf service smtpd/pass: -o smtpd_sasl_auth_enable=no"
    )


def test_sasl_anonymous_allowed_is_low_when_only_the_plain_set_lacks_it_and_tls_comes_first():
    behind_tls = listener(sasl_enabled=True, tls_mandatory=True, sasl_tls_security_options=["noanonymous"])
    assert [f["severity"] for f in run("sasl_anonymous_allowed", behind_tls)] == ["low"]
    before_tls = dict(behind_tls, tls_mandatory=False, tls_auth_only=False)
    assert [f["severity"] for f in run("sasl_anonymous_allowed", before_tls)] == ["high"]
    tls_set = dict(behind_tls, sasl_security_options=["noanonymous"], sasl_tls_security_options=["noplaintext"])
    (hit,) = run("sasl_anonymous_allowed", tls_set)
    assert hit["severity"] == "high"
    assert hit["message"].startswith("smtpd_sasl_tls_security_options lacks noanonymous on submission (port 587)")
    assert severities("sasl_anonymous_allowed", case="before_tls_only") == ["low"] * 3


def test_weak_protocols_opportunistic_is_info_only_where_the_profile_keeps_legacy_tls_on_port_25():
    assert severities("weak_protocols_opportunistic") == ["info", "medium", "medium"]
    smtp = listener("smtp", 25, tls_mode="starttls", protocols_enabled=["TLSv1", "TLSv1.2"])
    for profile, severity in zip(_profiles.PROFILES, ("info", "medium", "medium")):
        (hit,) = run("weak_protocols_opportunistic", smtp, profile, version="3.7.11")
        assert hit["severity"] == severity and hit["fix"] == "main.cf: smtpd_tls_protocols = >=TLSv1.2"
    assert run("weak_protocols_opportunistic", dict(smtp, protocols_enabled=["TLSv1.2"])) == []
    assert run("weak_protocols_opportunistic", dict(smtp, tls_mode="none")) == []
    assert run("weak_protocols_opportunistic", dict(smtp, tls_mandatory=True)) == []


@pytest.mark.parametrize(
    "profile,version,fix",
    [
        ("intermediate", "3.7.11", "main.cf: smtpd_tls_mandatory_protocols = >=TLSv1.2"),
        ("modern", "3.7.11", "main.cf: smtpd_tls_mandatory_protocols = >=TLSv1.3"),
        ("modern", "3.5.6", "main.cf: smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2"),
    ],
)
def test_weak_protocols_mandatory_fixes_to_the_profiles_mandatory_floor(profile, version, fix):
    lst = listener(tls_mode="wrapper", tls_mandatory=True, protocols_enabled=["TLSv1.1", "TLSv1.3"])
    (hit,) = run("weak_protocols_mandatory", lst, profile, version=version)
    assert hit["severity"] == "high" and hit["fix"] == fix
    assert "(wrapper mode)" in hit["message"] and "still allows TLSv1.1." in hit["message"]


@pytest.mark.parametrize(
    "version,floor",
    [
        # only ASCII digits count: a superscript two is not a digit of the version (it raised
        # ValueError), and an Arabic-Indic zero does not make 3.5 into 3.50
        ("3.5\u00b2", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"),
        ("3.5\u0660", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"),
        ("3.\u0667.1", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"),
        ("3.7.11", ">=TLSv1.2"),
    ],
)
def test_versions_with_non_ascii_digits_read_their_ascii_digits_only(version, floor):
    assert _finding_rule.protocol_floor({"version": version}) == floor
    lst = listener(tls_mode="wrapper", tls_mandatory=True, protocols_enabled=["TLSv1.1", "TLSv1.3"])
    (hit,) = run("weak_protocols_mandatory", lst, "intermediate", version=version)
    assert hit["fix"] == "main.cf: smtpd_tls_mandatory_protocols = " + floor


def test_tls12_on_modern_submission_follows_the_profile_table():
    lst = listener(tls_mandatory=True, protocols_enabled=["TLSv1.2", "TLSv1.3"])
    raised = [p for p in _profiles.PROFILES if run("tls12_on_modern_submission", lst, p)]
    assert raised == [p for p in _profiles.PROFILES if _profiles.min_protocol(p, "mandatory") == "TLSv1.3"]
    assert raised == ["modern"]
    assert run("tls12_on_modern_submission", dict(lst, protocols_enabled=["TLSv1.3"]), "modern") == []
    assert run("tls12_on_modern_submission", dict(lst, protocols_enabled=["TLSv1", "TLSv1.2"]), "modern") == []
    assert run("tls12_on_modern_submission", dict(lst, port=25), "modern") == []


def test_anonymous_ciphers_severity_follows_mandatory_tls():
    assert severities("anonymous_ciphers", case="mandatory") == ["high"] * 3
    assert severities("anonymous_ciphers", case="opportunistic") == ["medium"] * 3
    lst = listener("smtp", 25, anonymous_ciphers_excluded=False, tls_mode="starttls")
    (hit,) = run("anonymous_ciphers", lst)
    assert hit["severity"] == "medium" and hit["fix"].startswith("main.cf: smtpd_tls_exclude_ciphers = aNULL, eNULL")
    assert run("anonymous_ciphers", dict(lst, tls_mandatory=True))[0]["severity"] == "high"
    assert run("anonymous_ciphers", dict(lst, anonymous_ciphers_excluded=True)) == []
    assert run("anonymous_ciphers", dict(lst, tls_mode="none")) == []


def test_no_starttls_says_why():
    (hit,) = run("no_starttls", listener("smtp", 25, tls_mode="starttls", has_certificate=False))
    assert "no certificate is configured" in hit["message"] and hit["message"].endswith("travels in plaintext.")
    (hit,) = run("no_starttls", listener("smtp", 25, tls_mode="none", security_level="none"))
    assert "smtpd_tls_security_level = none (from None)" in hit["message"]
    assert run("no_starttls", listener("smtp", 25, tls_mode="starttls", has_certificate=True)) == []
    assert run("no_starttls", listener(tls_mode="none")) == []


@pytest.mark.parametrize(
    "restrictions,raised",
    [
        ({}, True),
        ({"relay_restrictions": ["permit_mynetworks", "reject_unauth_destination"]}, False),
        ({"recipient_restrictions": ["permit", "reject_unauth_destination"]}, True),
        ({"client_restrictions": ["permit_sasl_authenticated", "reject"]}, False),
        ({"client_restrictions": ["reject", "permit"]}, True),
    ],
)
def test_open_relay_risk_on_the_restriction_lists_alone(restrictions, raised):
    found = run("open_relay_risk", listener("smtp", 25, **restrictions))
    assert bool(found) is raised
    if found:
        assert found[0]["message"].startswith("On smtp (port 25), neither smtpd_relay_restrictions (")


def test_mandatory_settings_ignored_on_a_listener_only_below_level_encrypt():
    lst = listener("smtp", 25, security_level="may", mandatory_settings_ignored={"smtpd_tls_mandatory_ciphers": "high"})
    (hit,) = run("mandatory_settings_ignored", lst, scope="listener")
    assert hit["severity"] == "medium" and hit["message"].endswith(
        "their defaults: smtpd_tls_mandatory_ciphers = high."
    )
    assert run("mandatory_settings_ignored", dict(lst, tls_mandatory=True), scope="listener") == []


def test_sender_binding_severity_per_profile_and_the_older_result_without_the_key():
    assert severities("submission_without_sender_binding") == ["info", "info", "low"]
    lst = listener(sasl_enabled=True, sender_login_maps="", settings_service="submission/inet")
    (hit,) = run("submission_without_sender_binding", lst, "modern", map_types=["lmdb"])
    assert hit["severity"] == "low"
    assert hit["fix"].startswith("master.cf service submission/inet: -o smtpd_sender_login_maps=lmdb:/etc/postfix/")
    bound = dict(lst, sender_login_maps="hash:/etc/postfix/s", sender_restrictions=["reject_sender_login_mismatch"])
    assert run("submission_without_sender_binding", bound) == []
    older = {k: v for k, v in lst.items() if k != "sender_login_maps"}
    assert run("submission_without_sender_binding", older) == []


# ---------------------------------------------------------------- certificate rules


def test_an_unreadable_certificate_raises_cert_unreadable_per_service_and_nothing_else():
    bad = cert(used_by=["smtp", "submission"], error="not a PEM file.", days_left=1, key_type="RSA", key_bits=512)
    listeners = [listener("smtp", 25), listener()]
    found = [f for r in _findings.RULES if r.scope == "certificate" for f in r.evaluate(bad, ctx(listeners=listeners))]
    assert [(f["id"], f["service"]) for f in found] == [("cert_unreadable", "smtp"), ("cert_unreadable", "submission")]
    assert found[0]["message"] == "Certificate /etc/ssl/mx.pem could not be inspected: not a PEM file."


def test_self_signed_is_info_on_port_25_and_medium_where_clients_verify():
    assert severities("cert_self_signed", case="public") == ["info"] * 3
    assert severities("cert_self_signed", case="submission") == ["medium"] * 3
    signed = cert(used_by=["smtp", "submission", "loopback-only"], self_signed=True, subject="CN = mx")
    found = run(
        "cert_self_signed",
        signed,
        listeners=[listener("smtp", 25), listener(), listener("loopback-only", loopback=True)],
    )
    assert [(f["service"], f["severity"]) for f in found] == [("smtp", "info"), ("submission", "medium")]
    assert found[1]["message"].startswith("Certificate /etc/ssl/mx.pem for submission (port 587) is self-signed")


def test_name_and_key_mismatch_speak_per_serving_listener():
    mismatch = cert(covers_hostname=False, sans=["*.example.com"], hostname="example.com", used_by=["smtp", "ghost"])
    (hit,) = run("cert_name_mismatch", mismatch, listeners=[listener("smtp", 25)])
    assert hit["service"] == "smtp" and "names *.example.com but myhostname is example.com." in hit["message"]
    (hit,) = run("cert_key_mismatch", cert(key_matches=False, key_path="/k.pem"), listeners=[listener("smtp", 25)])
    assert hit["message"].startswith("The private key /k.pem does not belong to certificate /etc/ssl/mx.pem")
    assert run("cert_key_mismatch", cert(key_matches=None), listeners=[listener("smtp", 25)]) == []


@pytest.mark.parametrize(
    "days,expired,severity,state",
    [
        (29, False, "medium", "expires in 29 days"),
        (6, False, "high", "expires in 6 days"),
        (-1, True, "high", "has expired"),
    ],
)
def test_cert_expiring_severity_by_days_left(days, expired, severity, state):
    (hit,) = run("cert_expiring", cert(used_by=["smtp", "submission"], days_left=days, expired=expired, not_after="X"))
    assert (hit["severity"], hit["service"]) == (severity, "smtp, submission")
    assert hit["message"] == "Certificate /etc/ssl/mx.pem %s (not after X)." % state
    assert run("cert_expiring", cert(days_left=30)) == []


@pytest.mark.parametrize(
    "key_type,bits,expected",
    [
        ("RSA", 1024, ["high", "high", "high"]),
        ("RSA", 2048, [None, None, "low"]),
        ("RSA", 3072, [None, None, None]),
        ("EC", 224, ["high", "high", "high"]),
        ("EC", 256, [None, None, None]),
    ],
)
def test_weak_key_per_profile(key_type, bits, expected):
    found = [run("weak_key", cert(key_type=key_type, key_bits=bits), p) for p in _profiles.PROFILES]
    assert [f[0]["severity"] if f else None for f in found] == expected
    if found[2]:
        assert found[2][0]["message"].startswith("Certificate /etc/ssl/mx.pem uses a %s-%d key; " % (key_type, bits))


# ---------------------------------------------------------------- outbound and relay rules


def test_dane_without_dnssec_cases():
    assert severities("dane_without_dnssec", case="dane-only") == ["high"] * 3
    (hit,) = run("dane_without_dnssec", {"security_level": "dane", "dns_support_level": "enabled"})
    assert hit["severity"] == "medium" and hit["service"] == "outbound"
    assert hit["fix"].startswith("main.cf: smtp_dns_support_level = dnssec")
    assert run("dane_without_dnssec", {"security_level": "dane"}) == []  # the key missing: dnssec assumed
    assert run("dane_without_dnssec", {"security_level": "may", "dns_support_level": ""}) == []


@pytest.mark.parametrize(
    "servers,severity",
    [(["192.0.2.53"], "medium"), (["127.0.0.53"], "low"), (["127.0.0.1", "::1"], None), ([], None)],
)
def test_dane_resolver_judges_only_the_nameservers(servers, severity):
    resolver = {"path": "/etc/resolv.conf", "nameservers": servers}
    found = run("dane_without_validating_resolver", {"security_level": "dane-only"}, resolver=resolver)
    assert [f["severity"] for f in found] == ([severity] if severity else [])
    assert run("dane_without_validating_resolver", {"security_level": "may"}, resolver=resolver) == []


def test_outbound_mandatory_settings_ignored_is_low_with_a_policy_table():
    outbound = {"security_level": "may", "mandatory_settings_ignored": {"smtp_tls_mandatory_protocols": "x"}}
    assert run("mandatory_settings_ignored", outbound, scope="outbound")[0]["severity"] == "medium"
    (hit,) = run("mandatory_settings_ignored", dict(outbound, policy_maps="hash:/p"), scope="outbound")
    assert hit["severity"] == "low" and "smtp_tls_policy_maps, which is set: hash:/p)" in hit["message"]


def test_outbound_mandatory_weak_protocols_fix_uses_the_outbound_floor():
    outbound = {"security_level": "encrypt", "mandatory_protocols_enabled": ["TLSv1", "TLSv1.2"]}
    for profile in _profiles.PROFILES:
        (hit,) = run("outbound_mandatory_weak_protocols", outbound, profile, version="3.10.1")
        assert hit["fix"] == "main.cf: smtp_tls_mandatory_protocols = %s" % _profiles.at_least(
            profile, "outbound_mandatory"
        )
    # an unknown version gets the exclusion list every Postfix understands
    (hit,) = run("outbound_mandatory_weak_protocols", outbound)
    assert hit["fix"] == "main.cf: smtp_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
    assert run("outbound_mandatory_weak_protocols", dict(outbound, security_level="may")) == []


@pytest.mark.parametrize(
    "level,raised", [("may", True), ("none", True), ("dane", True), ("encrypt", False), (None, False)]
)
def test_relay_tls_per_destination(level, raised):
    relay = {
        "sasl_auth_enable": True,
        "destinations": [
            {"nexthop": "[r.example]:587", "tls_level": level, "tls_level_source": "smtp_tls_security_level"}
        ],
    }
    found = run("relay_auth_without_mandatory_tls", relay, map_types=["hash"])
    assert bool(found) is raised
    if raised:
        assert found[0]["fix"].startswith("postconf -e 'smtp_tls_policy_maps = hash:/etc/postfix/tls_policy'")
        assert "; postmap hash:/etc/postfix/tls_policy; postfix reload" in found[0]["fix"]
    assert run("relay_auth_without_mandatory_tls", dict(relay, sasl_auth_enable=False)) == []


def test_relay_password_file_problems():
    relay = {
        "password_maps": [
            {
                "map": "hash:/etc/postfix/sasl_passwd",
                "files": [
                    {"path": "/a", "exists": True, "mode": "0640", "uid": 0, "group": "mail", "role": "source"},
                    {"path": "/b", "exists": True, "mode": "0600", "uid": 0},
                    {"path": "/c", "exists": False, "mode": "0666"},
                ],
            }
        ]
    }
    (hit,) = run("relay_password_map_readable", relay)
    assert hit["message"] == (
        "/a, the source file of hash:/etc/postfix/sasl_passwd (smtp_sasl_password_maps), holds the relay login "
        "and password in clear text, but its mode 0640 lets group mail read it."
    )


# ---------------------------------------------------------------- global rules


def test_key_exchange_groups_severity_per_profile_and_the_fix_keeps_the_allowed_groups():
    assert severities("key_exchange_groups_excluded") == ["info", "low", "low"]
    info = {"key_exchange": {"tls_eecdh_auto_curves": "X25519 X448 p-256", "tls_ffdhe_auto_groups": None}}
    (hit,) = run("key_exchange_groups_excluded", info, "modern")
    assert hit["fix"] == "main.cf: tls_eecdh_auto_curves = X25519 prime256v1"
    assert (
        "enables X448, which the modern profile excludes (Mozilla's lists: X25519, prime256v1, secp384r1;"
        in (hit["message"])
    )
    assert run("key_exchange_groups_excluded", {"key_exchange": {"tls_eecdh_auto_curves": None}}) == []


def test_deprecated_parameter_per_entry_with_its_service():
    info = {
        "deprecated": [
            {"parameter": "smtp_use_tls", "value": "yes", "replacement": "smtp_tls_security_level"},
            {"parameter": "smtpd_use_tls", "value": "no", "service": "submission"},
        ]
    }
    found = run("deprecated_parameter", info)
    assert [(f["service"], f["fix"]) for f in found] == [
        ("main.cf", "main.cf: remove smtp_use_tls (smtp_tls_security_level governs)"),
        ("submission", "master.cf service submission: remove -o smtpd_use_tls"),
    ]


def test_vrfy_and_sasl_sockets():
    assert [f["id"] for f in run("vrfy_enabled", {"disable_vrfy_command": False})] == ["vrfy_enabled"]
    assert run("vrfy_enabled", {"disable_vrfy_command": True}) == []
    sockets = {"sasl_sockets": [{"path": "/p", "services": ["submission", "submissions"], "reachable": False}]}
    (hit,) = run("sasl_socket_unreachable", sockets)
    assert hit["service"] == "submission, submissions" and "the dovecot SASL socket /p" in hit["message"]


# ---------------------------------------------------------------- one profile table for the role and the audit


@pytest.mark.parametrize("profile", _profiles.PROFILES)
def test_the_role_writes_the_floors_the_audit_judges_by(profile):
    written = _baseline.PROFILES[profile]
    assert written["smtpd_tls_protocols"] == ">=" + _profiles.min_protocol(profile, "opportunistic")
    assert written["smtpd_tls_mandatory_protocols"] == ">=" + _profiles.min_protocol(profile, "mandatory")
    assert set(_profiles.ANONYMOUS_EXCLUDE) <= set(written["smtpd_tls_exclude_ciphers"])
    # what the role writes on a mandatory listener raises neither protocol rule
    lst = listener(tls_mandatory=True, protocols=written["smtpd_tls_mandatory_protocols"])
    floor = _profiles.min_protocol(profile, "mandatory")
    lst["protocols_enabled"] = list(_profiles.PROTOCOLS[_profiles.PROTOCOLS.index(floor) :])
    assert run("weak_protocols_mandatory", lst, profile) == []
    assert run("tls12_on_modern_submission", lst, profile) == []
