# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's output and the audit agree: what postfix_hardening writes raises no finding.

The role's inputs (defaults and the input mapping of vars/main.yml) are rendered with
Ansible's templar for each profile and platform and given to the baseline
(plugin_utils/_baseline.py, the filter mailsec.postfix.baseline the role calls); the result
is turned into the effective view with the same code postfix_info uses, and judged by
tls_findings.
The same rendering checks the version-aware key-exchange groups, the policy map type and
that switching a feature off removes what switching it on set.
"""

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings, _postfix_policy
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _baseline

ROLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "roles", "postfix_hardening")

# (Postfix, OpenSSL) as Debian ships them
DEBIAN12 = ("3.7.11", "3.0.20")
DEBIAN13 = ("3.10.13", "3.5.9")
DEFAULTS_310 = dict(
    _postfix_policy.FALLBACK_DEFAULTS,
    mail_version="3.10.13",
    tls_eecdh_auto_curves="X25519 X448 prime256v1 secp384r1 secp521r1",
    tls_ffdhe_auto_groups="ffdhe2048 ffdhe3072",
)
DEFAULTS_37 = dict(_postfix_policy.FALLBACK_DEFAULTS, mail_version="3.7.11")
# What each profile accepts on purpose: interop keeps TLS 1.0/1.1 on port 25, reported as info.
ACCEPTED = {"interop": [("info", "smtp", "weak_protocols_opportunistic")], "intermediate": [], "modern": []}
RELAY_AND_SENDERS = {
    "postfix_hardening_relayhost": "[smtp.example.net]:587",
    "postfix_hardening_relay_username": "mx1",
    "postfix_hardening_relay_password": "not-a-real-secret",
    "postfix_hardening_sender_logins": {"alice": ["alice@example.org"], "shop": ["@shop.example.org"]},
}


def _trusted(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


def _load(relpath):
    with open(os.path.join(ROLE, relpath)) as handle:
        return _trusted(yaml.safe_load(handle))


def render(platform=DEBIAN12, live_main=None, map_types=("hash",), live_services=None, **role_vars):
    """(main.cf parameters, master.cf services) exactly as the role computes them."""
    variables = dict(_load("defaults/main.yml"))
    variables.update(role_vars)
    variables.update(
        role_path=ROLE,
        _postfix_hardening_chain_files=["/etc/postfix/tls/mx-ecdsa.key", "/etc/postfix/tls/mx-ecdsa.crt"],
        _postfix_hardening_supported_versioned=["smtpd_forbid_unauth_pipelining", "smtpd_forbid_bare_newline"],
    )
    templar = Templar(loader=DataLoader(), variables=variables)
    inputs = templar.template(_load("vars/main.yml")["_postfix_hardening_baseline_inputs"])
    info = {
        "version": platform[0],
        "openssl_version": platform[1],
        "map_types": list(map_types),
        "main": dict(live_main or {}),
        "services": list(live_services or []),
    }
    built = _baseline.build(info, inputs)
    return built["params"], built["services"]


def _text(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _options(options):
    return {name: _text(value) for name, value in (options or {}).items() if value is not None}


def view(params, services, defaults):
    """postfix_info's view of Debian's main.cf/master.cf after the role's edits."""
    main = {"myhostname": "mx.example.org", "smtpd_relay_restrictions": "permit_mynetworks, defer_unauth_destination"}
    main.update({name: _text(value) for name, value in params.items() if value is not None})
    entries = [
        {"name": "smtp", "type": "unix", "command": "smtp", "overrides": {}},
        {"name": "smtp", "type": "inet", "command": "smtpd", "overrides": {}},
    ]
    for service in services:
        if service.get("state") == "absent":
            entries = [e for e in entries if (e["name"], e["type"]) != (service["name"], service["type"])]
            continue
        entry = next((e for e in entries if (e["name"], e["type"]) == (service["name"], service["type"])), None)
        if entry is None:
            entry = {"name": service["name"], "type": service["type"], "command": service["command"]}
            entries.append(entry)
        entry["overrides"] = _options(service.get("options"))
    return _postfix_policy.build_view(defaults, main, entries)


def judged(info, profile):
    return [(f["severity"], f["service"], f["id"]) for f in _findings.findings(info, profile)]


@pytest.mark.parametrize("profile", _findings.PROFILES)
@pytest.mark.parametrize(
    "platform,defaults", [(DEBIAN12, DEFAULTS_37), (DEBIAN13, DEFAULTS_310)], ids=["debian12", "debian13"]
)
@pytest.mark.parametrize(
    "role_vars",
    [
        {},
        {"postfix_hardening_tls_policies": {"partner.example": "secure match=mx.partner.example"}},
        RELAY_AND_SENDERS,
        dict(RELAY_AND_SENDERS, postfix_hardening_relay_tls_level="secure"),
    ],
    ids=["defaults", "policy-table", "relay-and-sender-binding", "relay-secure"],
)
def test_role_output_raises_no_finding(profile, platform, defaults, role_vars):
    params, services = render(platform, postfix_hardening_profile=profile, **role_vars)
    info = view(params, services, defaults)
    expected = list(ACCEPTED[profile])
    if not role_vars.get("postfix_hardening_sender_logins"):
        # without sender logins an authenticated user may send as anyone: said, not hidden
        severity = "low" if profile == "modern" else "info"
        expected += [(severity, name, "submission_without_sender_binding") for name in ("submission", "submissions")]
    assert sorted(judged(info, profile)) == sorted(expected)


@pytest.mark.parametrize("profile", _findings.PROFILES)
def test_role_output_with_dane_raises_no_finding_behind_a_local_resolver(profile):
    params, services = render(
        DEBIAN13,
        postfix_hardening_profile=profile,
        postfix_hardening_outbound_level="dane",
        postfix_hardening_sender_logins=RELAY_AND_SENDERS["postfix_hardening_sender_logins"],
    )
    info = view(params, services, DEFAULTS_310)
    info["resolver"] = {"path": "/var/spool/postfix/etc/resolv.conf", "nameservers": ["127.0.0.1"]}
    assert judged(info, profile) == ACCEPTED[profile]
    # ... and the audit does not stay quiet when the resolver is elsewhere
    info["resolver"]["nameservers"] = ["192.0.2.53"]
    assert sorted(judged(info, profile)) == sorted(
        ACCEPTED[profile] + [("medium", "outbound", "dane_without_validating_resolver")]
    )


def test_groups_are_mozillas_list_and_the_hybrid_first_only_where_postfix_and_openssl_support_it():
    assert render(DEBIAN12)[0]["tls_eecdh_auto_curves"] == "X25519 prime256v1 secp384r1"
    assert render(DEBIAN13)[0]["tls_eecdh_auto_curves"] == "*X25519MLKEM768 *X25519 prime256v1 secp384r1"
    # Postfix 3.7 skips names it cannot map to a NID (with a warning per process); OpenSSL 3.0
    # has no ML-KEM: either alone keeps the classic list.
    assert render(("3.7.11", "3.5.9"))[0]["tls_eecdh_auto_curves"] == "X25519 prime256v1 secp384r1"
    assert render(("3.10.13", "3.0.20"))[0]["tls_eecdh_auto_curves"] == "X25519 prime256v1 secp384r1"
    assert render(("", None))[0]["tls_eecdh_auto_curves"] == "X25519 prime256v1 secp384r1"


def test_every_group_the_role_writes_is_one_the_audit_allows():
    for groups in (_baseline.GROUPS_CLASSIC, _baseline.GROUPS_HYBRID):
        names = _findings.group_names(" ".join(groups))
        assert names and set(names) <= set(_findings.ALLOWED_EC_GROUPS), groups
    assert _findings.group_names(" ".join(_baseline.GROUPS_CLASSIC)) == [
        "x25519",
        "prime256v1",
        "secp384r1",
    ]


def test_policy_map_type_follows_postconf_m():
    policies = {"postfix_hardening_tls_policies": {"partner.example": "secure"}}
    assert render(**policies)[0]["smtp_tls_policy_maps"] == "hash:/etc/postfix/tls_policy"
    lmdb = render(map_types=("btree", "hash", "lmdb"), **policies)[0]
    assert lmdb["smtp_tls_policy_maps"] == "lmdb:/etc/postfix/tls_policy"


def test_switching_the_policy_table_and_dane_off_removes_what_they_set():
    dane_and_table = {
        "postfix_hardening_outbound_level": "dane",
        "postfix_hardening_tls_policies": {"partner.example": "secure"},
    }
    on = render(**dane_and_table)[0]
    assert (on["smtp_dns_support_level"], on["smtp_tls_policy_maps"]) == ("dnssec", "hash:/etc/postfix/tls_policy")
    live = {"smtp_dns_support_level": "dnssec", "smtp_tls_policy_maps": "hash:/etc/postfix/tls_policy"}
    off = render(live_main=live)[0]
    assert off["smtp_dns_support_level"] is None and off["smtp_tls_policy_maps"] is None  # null: removed
    # an operator's own table and DNS level are not the role's to remove
    own = {"smtp_dns_support_level": "enabled", "smtp_tls_policy_maps": "hash:/etc/postfix/partners"}
    params = render(live_main=own)[0]
    assert "smtp_dns_support_level" not in params and "smtp_tls_policy_maps" not in params


def test_a_dane_entry_in_the_policy_table_keeps_dnssec():
    params = render(
        live_main={"smtp_dns_support_level": "dnssec"}, postfix_hardening_tls_policies={"partner.example": "dane-only"}
    )[0]
    assert params["smtp_dns_support_level"] == "dnssec"
