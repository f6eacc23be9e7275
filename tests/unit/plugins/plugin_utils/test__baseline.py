# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline for one server: relay, sender binding, overrides on any service, switching off."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter.baseline import baseline as baseline_filter
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _baseline

DEBIAN_SERVICES = [
    {"name": "smtp", "type": "inet", "command": "smtpd", "overrides": {}},
    {"name": "smtp", "type": "unix", "command": "smtp", "overrides": {}},
    {"name": "relay", "type": "unix", "command": "smtp", "overrides": {}},
]
POSTSCREEN_SERVICES = [
    {"name": "smtp", "type": "inet", "command": "postscreen", "overrides": {}},
    {"name": "smtpd", "type": "pass", "command": "smtpd", "overrides": {"smtpd_sasl_auth_enable": "yes"}},
    {"name": "smtp", "type": "unix", "command": "smtp", "overrides": {}},
]
RELAY = {
    "relayhost": "[smtp.example.net]:587",
    "relay_username": "mx1",
    "relay_password_set": True,
    "relay_password_bad": False,
    "relay_tls_level": "encrypt",
    "relay_ca_file": "",
}


def info(main=None, services=None, map_types=("hash", "lmdb"), version="3.7.11", openssl="3.0.20"):
    return {
        "version": version,
        "openssl_version": openssl,
        "map_types": list(map_types),
        "main": dict(main or {}),
        "services": list(DEBIAN_SERVICES if services is None else services),
    }


def service(built, name, kind):
    return next(s for s in built["services"] if (s["name"], s["type"]) == (name, kind))


def test_relay_sets_sasl_with_noanonymous_and_mandatory_tls_for_the_relay_alone():
    built = _baseline.build(info(), dict(RELAY))
    params = built["params"]
    assert params["relayhost"] == "[smtp.example.net]:587"
    assert params["smtp_sasl_auth_enable"] is True
    assert params["smtp_sasl_password_maps"] == "lmdb:/etc/postfix/sasl_passwd"
    assert "noanonymous" in params["smtp_sasl_security_options"]
    assert params["smtp_sasl_tls_security_options"] == ["noanonymous"]
    assert params["smtp_tls_security_level"] == "may"  # other destinations stay opportunistic
    assert params["smtp_tls_policy_maps"] == "lmdb:/etc/postfix/tls_policy"
    assert built["tables"]["tls_policy"]["entries"] == {"[smtp.example.net]:587": "encrypt"}
    assert built["tables"]["sasl_passwd"] == {
        "map": "lmdb:/etc/postfix/sasl_passwd",
        "source": "/etc/postfix/sasl_passwd",
        "built": "/etc/postfix/sasl_passwd.lmdb",
        "wanted": True,
    }
    assert "entries" not in built["tables"]["sasl_passwd"]  # the password never passes through here


@pytest.mark.parametrize(
    "ca_file,trusted",
    [("", "/etc/ssl/certs/ca-certificates.crt"), ("/etc/ssl/relay-ca.pem", "/etc/ssl/relay-ca.pem")],
)
def test_secure_relay_checks_the_name_against_the_given_or_the_system_cas(ca_file, trusted):
    inputs = dict(RELAY, relay_tls_level="secure", relay_ca_file=ca_file)
    built = _baseline.build(info(map_types=("hash",)), inputs)
    assert built["tables"]["tls_policy"]["entries"]["[smtp.example.net]:587"] == "secure"
    # read before the smtp client's chroot; a policy tafile= would be opened inside it
    assert built["params"]["smtp_tls_CAfile"] == trusted
    assert built["tables"]["tls_policy"]["built"] == "/etc/postfix/tls_policy.db"
    assert "smtp_tls_CAfile" not in _baseline.build(info(), dict(RELAY))["params"]  # encrypt: no CA involved


def test_switching_the_relay_off_gives_the_ca_setting_back_to_the_system_cas():
    live = {"smtp_sasl_password_maps": "hash:/etc/postfix/sasl_passwd", "smtp_tls_CAfile": "/etc/ssl/relay-ca.pem"}
    assert _baseline.build(info(main=live), {})["params"]["smtp_tls_CAfile"] == "/etc/ssl/certs/ca-certificates.crt"
    assert _baseline.build(info(main=live), dict(RELAY))["params"]["smtp_tls_CAfile"] == (
        "/etc/ssl/certs/ca-certificates.crt"
    )
    # an operator's own CA file without the role's relay stays
    own = {"smtp_tls_CAfile": "/etc/ssl/my-ca.pem"}
    assert "smtp_tls_CAfile" not in _baseline.build(info(main=own), {})["params"]


def test_operator_policies_and_the_relay_share_the_table():
    inputs = dict(RELAY, tls_policies={"partner.example": "secure match=mx.partner.example"})
    entries = _baseline.build(info(), inputs)["tables"]["tls_policy"]["entries"]
    assert entries == {"partner.example": "secure match=mx.partner.example", "[smtp.example.net]:587": "encrypt"}


def test_switching_the_relay_off_removes_what_it_set_and_only_that():
    live = {
        "relayhost": "[smtp.example.net]:587",
        "smtp_sasl_auth_enable": "yes",
        "smtp_sasl_password_maps": "hash:/etc/postfix/sasl_passwd",
        "smtp_tls_policy_maps": "hash:/etc/postfix/tls_policy",
    }
    built = _baseline.build(info(main=live), {})
    for name in _baseline.RELAY_PARAMS:
        assert name in built["params"] and built["params"][name] is None, name
    assert built["params"]["smtp_tls_policy_maps"] is None  # the relay was the table's only entry
    assert sorted(built["switched_off"]) == ["sasl_passwd", "tls_policy"]
    # an operator's own relay (their own password map) is not the role's to remove
    own = dict(live, smtp_sasl_password_maps="hash:/etc/postfix/my_passwords", smtp_tls_policy_maps="")
    built = _baseline.build(info(main=own), {})
    assert not set(_baseline.RELAY_PARAMS) & set(built["params"])
    assert built["switched_off"] == []


def test_sender_binding_on_both_submission_listeners_and_its_map_inverted():
    logins = {"bob": ["bob@example.org", "@shop.example.org"], "alice": ["alice@example.org", "@shop.example.org"]}
    built = _baseline.build(info(), {"sender_logins": logins})
    for name in ("submission", "submissions"):
        options = service(built, name, "inet")["options"]
        assert options["smtpd_sender_login_maps"] == "lmdb:/etc/postfix/sender_logins"
        assert options["smtpd_sender_restrictions"] == ["reject_sender_login_mismatch"]
    assert built["tables"]["sender_logins"]["entries"] == {
        "@shop.example.org": "alice,bob",
        "alice@example.org": "alice",
        "bob@example.org": "bob",
    }
    # port 25 never gets it (no AUTH there)
    assert "smtpd_sender_login_maps" not in service(built, "smtp", "inet")["options"]


def test_switching_sender_binding_off_removes_the_overrides_and_the_map():
    live = [dict(s) for s in DEBIAN_SERVICES] + [
        {
            "name": "submission",
            "type": "inet",
            "command": "smtpd",
            "overrides": {
                "smtpd_sender_login_maps": "lmdb:/etc/postfix/sender_logins",
                "smtpd_sender_restrictions": "reject_sender_login_mismatch",
            },
        }
    ]
    built = _baseline.build(info(services=live), {})
    options = service(built, "submission", "inet")["options"]
    assert options["smtpd_sender_login_maps"] is None and options["smtpd_sender_restrictions"] is None
    assert built["switched_off"] == ["sender_logins"]
    # nothing to remove where the role never set it
    built = _baseline.build(info(), {})
    assert "smtpd_sender_login_maps" not in service(built, "submission", "inet")["options"]


def test_overrides_reach_any_service_master_cf_has():
    built = _baseline.build(info(), {"service_overrides": {"relay/unix": {"smtp_tls_loglevel": 1}}})
    assert service(built, "relay", "unix") == {"name": "relay", "type": "unix", "options": {"smtp_tls_loglevel": 1}}


def test_behind_postscreen_the_port25_smtpd_is_smtpd_pass_and_never_offers_auth():
    built = _baseline.build(info(services=POSTSCREEN_SERVICES), {})
    assert built["postscreen"] is True
    assert service(built, "smtpd", "pass")["options"] == _baseline.PORT25_CLEANUP
    built = _baseline.build(
        info(services=POSTSCREEN_SERVICES), {"service_overrides": {"smtpd/pass": {"smtpd_tls_loglevel": 1}}}
    )
    assert service(built, "smtpd", "pass")["options"] == dict(_baseline.PORT25_CLEANUP, smtpd_tls_loglevel=1)
    assert len([s for s in built["services"] if (s["name"], s["type"]) == ("smtpd", "pass")]) == 1


@pytest.mark.parametrize(
    "inputs,named",
    [
        ({"service_overrides": {"nosuch/unix": {}}}, "master.cf has no service nosuch/unix"),
        ({"service_overrides": {"submission": {}}}, "is not a master.cf service as name/type"),
        ({"relayhost": "[smtp.example.net]:587"}, "needs postfix_hardening_relay_username"),
        ({"relayhost": "smtp.example.net:587 extra", "relay_username": "u", "relay_password_set": True}, "relayhost"),
        ({"relay_username": "u", "relay_password_set": True}, "postfix_hardening_relayhost is empty"),
        (dict(RELAY, relay_username="u:x"), "relay_username must not contain"),
        (dict(RELAY, relay_password_bad=True), "postfix_hardening_relay_password must not contain"),
        (dict(RELAY, relay_ca_file="/etc/ca.pem"), "only with postfix_hardening_relay_tls_level=secure"),
        (dict(RELAY, relay_tls_level="secure", relay_ca_file="ca.pem"), "absolute path"),
        ({"sender_logins": {"alice": "alice@example.org"}}, "must be a non-empty list"),
        ({"sender_logins": {"alice": ["alice at example.org"]}}, "is not an address"),
        ({"sender_logins": {"al ice": ["alice@example.org"]}}, "login 'al ice'"),
        ({"profile": "paranoid"}, "postfix_hardening_profile"),
    ],
)
def test_unusable_inputs_fail_naming_the_variable(inputs, named):
    with pytest.raises(_baseline.BaselineError, match=named.replace("[", r"\[")):
        _baseline.build(info(), inputs)
    with pytest.raises(AnsibleFilterError, match="baseline: "):
        baseline_filter({"postfix_info": info()}, inputs)


def test_filter_accepts_the_registered_result_and_refuses_other_input():
    registered = {"changed": False, "postfix_info": info()}
    assert baseline_filter(registered, {})["params"] == baseline_filter(info(), {})["params"]
    with pytest.raises(AnsibleFilterError, match="postfix_info result"):
        baseline_filter("main.cf", {})
    with pytest.raises(AnsibleFilterError, match="inputs must be a dict"):
        baseline_filter(info(), ["profile"])


def test_profile_values_are_those_of_the_shared_profile_table():
    """Protocol floors, exclusions and groups come from module_utils/_profiles.py, which the audit reads too."""
    floors = {
        name: (p["smtpd_tls_protocols"], p["smtpd_tls_mandatory_protocols"], p["smtp_tls_protocols"])
        for name, p in _baseline.PROFILES.items()
    }
    assert floors == {
        "interop": (">=TLSv1", ">=TLSv1.2", None),
        "intermediate": (">=TLSv1.2", ">=TLSv1.2", None),
        "modern": (">=TLSv1.2", ">=TLSv1.3", ">=TLSv1.2"),
    }
    assert _baseline.PROFILES["interop"]["smtpd_tls_exclude_ciphers"] == ["aNULL", "eNULL"]
    assert _baseline.PROFILES["modern"]["smtpd_tls_exclude_ciphers"] == [
        "aNULL",
        "eNULL",
        "kRSA",
        "SHA1",
        "SHA256",
        "SHA384",
    ]
    assert _baseline.GROUPS_HYBRID == ["*X25519MLKEM768", "*X25519", "prime256v1", "secp384r1"]
    for profile in _baseline.PROFILES:
        params = _baseline.build(info(), {"outbound_level": "encrypt", "profile": profile})["params"]
        assert params["smtp_tls_mandatory_protocols"] == ">=TLSv1.2"


@pytest.mark.parametrize(
    "version,openssl,hybrid",
    [
        ("3.10.1", "3.5.1", True),
        ("3.7.11", "3.5.1", False),
        # an Arabic-Indic zero is not a digit of the version: 3.1 + U+0660 is not Postfix 3.10
        ("3.1\u0660", "3.5.1", False),
        ("3.10.1", "3.\u0665", False),
        ("3.10.1\u00b2", "3.5.1\u00b2", True),
    ],
)
def test_hybrid_key_groups_need_ascii_versions_3_10_and_openssl_3_5(version, openssl, hybrid):
    groups = _baseline.key_groups(info(version=version, openssl=openssl))
    assert groups == " ".join(_baseline.GROUPS_HYBRID if hybrid else _baseline.GROUPS_CLASSIC)
