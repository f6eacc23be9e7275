# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter wrapper: input shapes, profile validation, one positive/negative per id via the catalogue."""

import importlib.util
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import FilterModule, tls_findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _findings

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "findings_cases", os.path.join(_HERE, "..", "module_utils", "test__findings.py")
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def _broken(info, service, **kw):
    cases.lst(info, service).update(kw)
    return info


def _with(key, value):
    def change(info):
        info[key] = value
        return info

    return change


def _relay(**kw):
    """A relay read by postfix_info: AUTH to [relay.example.net]:587 with mandatory TLS, tables root-only."""
    relay = {
        "relayhost": "[relay.example.net]:587",
        "destinations": [
            {
                "nexthop": "[relay.example.net]:587",
                "policy_status": "found",
                "tls_level": "encrypt",
                "tls_level_source": "smtp_tls_policy_maps",
            }
        ],
        "sasl_auth_enable": True,
        "sasl_security_options": ["noplaintext", "noanonymous"],
        "sasl_tls_security_options": ["noanonymous"],
        "password_maps": [
            {
                "map": "hash:/etc/postfix/sasl_passwd",
                "files": [
                    {"path": "/etc/postfix/sasl_passwd.db", "exists": True, "regular": True, "mode": "0600", "uid": 0}
                ],
            }
        ],
        "policy_maps": ["hash:/etc/postfix/tls_policy"],
    }
    relay.update(kw)
    return _with("relay", relay)


# id -> a change to the clean baseline that must trigger exactly that id
POSITIVE = {
    "auth_on_public_smtp": lambda i: _broken(i, "smtp", sasl_enabled=True),
    "auth_without_tls": lambda i: _broken(
        i, "submission", tls_auth_only=False, tls_mandatory=False, security_level="may"
    ),
    "sasl_anonymous_allowed": lambda i: _broken(i, "submission", sasl_tls_security_options=["noplaintext"]),
    "submission_tls_optional": lambda i: _broken(i, "submission", tls_mandatory=False, security_level="may"),
    "weak_protocols_mandatory": lambda i: _broken(i, "submission", protocols_enabled=["TLSv1", "TLSv1.2"]),
    "weak_protocols_opportunistic": lambda i: _broken(i, "smtp", protocols_enabled=["TLSv1.1", "TLSv1.2"]),
    "anonymous_ciphers": lambda i: _broken(i, "smtp", anonymous_ciphers_excluded=False),
    "mandatory_settings_ignored": lambda i: _broken(
        i, "smtp", mandatory_settings_ignored={"smtpd_tls_mandatory_ciphers": "high"}
    ),
    "deprecated_parameter": _with("deprecated", [{"parameter": "smtp_use_tls", "value": "yes", "service": "main.cf"}]),
    "no_starttls": lambda i: _broken(i, "smtp", has_certificate=False),
    "cert_name_mismatch": _with("certificates", [cases.certificate(covers_hostname=False)]),
    "cert_self_signed": _with("certificates", [cases.certificate(self_signed=True)]),
    "cert_expiring": _with("certificates", [cases.certificate(days_left=12)]),
    "cert_key_mismatch": _with("certificates", [cases.certificate(key_matches=False)]),
    "cert_unreadable": _with(
        "certificates", [{"path": "/x", "key_path": "/x", "params": [], "used_by": ["smtp"], "error": "e"}]
    ),
    "weak_key": _with("certificates", [cases.certificate(key_type="RSA", key_bits=1024)]),
    "open_relay_risk": lambda i: _broken(i, "smtp", relay_restrictions=["permit"], recipient_restrictions=[]),
    "vrfy_enabled": _with("disable_vrfy_command", False),
    "tls12_on_modern_submission": lambda i: i,  # the clean baseline's 587/465 allow TLS 1.2: judged as modern
    "outbound_tls_disabled": lambda i: i["outbound"].update(security_level="none") or i,
    "dane_without_dnssec": lambda i: i["outbound"].update(security_level="dane", dns_support_level="") or i,
    "outbound_mandatory_weak_protocols": lambda i: (
        i["outbound"].update(
            policy_maps="hash:/etc/postfix/tls_policy", mandatory_protocols_enabled=["TLSv1", "TLSv1.2"]
        )
        or i
    ),
    "sasl_socket_unreachable": _with(
        "sasl_sockets", [{"path": "/s", "type": "dovecot", "services": ["submission"], "reachable": False}]
    ),
    "dane_without_validating_resolver": lambda i: (
        i["outbound"].update(security_level="dane", dns_support_level="dnssec")
        or _with("resolver", {"path": "/etc/resolv.conf", "nameservers": ["192.0.2.53"]})(i)
    ),
    "key_exchange_groups_excluded": _with(
        "key_exchange", {"tls_eecdh_auto_curves": "X25519 X448 prime256v1", "tls_ffdhe_auto_groups": None}
    ),
    "relay_auth_without_mandatory_tls": _relay(
        destinations=[
            {"nexthop": "[relay.example.net]:587", "tls_level": "may", "tls_level_source": "smtp_tls_security_level"}
        ]
    ),
    "relay_sasl_anonymous_allowed": _relay(sasl_security_options=[], sasl_tls_security_options=[]),
    "relay_sasl_no_mechanism": _relay(sasl_client={"dirs": ["/usr/lib/x86_64-linux-gnu/sasl2"], "mechanisms": []}),
    "relay_password_map_readable": _relay(
        password_maps=[
            {
                "map": "hash:/etc/postfix/sasl_passwd",
                "files": [{"path": "/etc/postfix/sasl_passwd", "exists": True, "mode": "0644", "uid": 0}],
            }
        ]
    ),
    "submission_without_sender_binding": lambda i: _broken(i, "submission", sender_login_maps=""),
}
# ids that only one profile raises
PROFILE = {"tls12_on_modern_submission": "modern"}


def test_positive_table_covers_catalogue():
    assert set(POSITIVE) == set(_findings.FINDING_IDS)


@pytest.mark.parametrize("fid", sorted(POSITIVE))
def test_each_id_positive(fid):
    found = {f["id"] for f in tls_findings(POSITIVE[fid](cases.clean_info()), profile=PROFILE.get(fid, "intermediate"))}
    assert fid in found


@pytest.mark.parametrize("fid", sorted(POSITIVE))
def test_each_id_negative_on_clean_baseline(fid):
    assert fid not in {f["id"] for f in tls_findings(cases.clean_info())}


def test_the_hardened_relay_is_clean():
    assert tls_findings(_relay()(cases.clean_info())) == tls_findings(cases.clean_info()) == []


def test_accepts_registered_module_result():
    info = POSITIVE["vrfy_enabled"](cases.clean_info())
    assert tls_findings({"changed": False, "postfix_info": info}) == tls_findings(info)


def test_profile_is_validated():
    with pytest.raises(AnsibleFilterError, match="profile"):
        tls_findings(cases.clean_info(), profile="paranoid")


def test_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match="expected the postfix_info dict"):
        tls_findings(["not", "a", "dict"])


def test_malformed_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="malformed"):
        tls_findings({"listeners": [{"port": 25}]})


def test_registered_name():
    assert FilterModule().filters()["tls_findings"] is tls_findings


def _mixed():
    """One finding of each severity: high, medium, low (modern) and info."""
    info = POSITIVE["auth_on_public_smtp"](cases.clean_info())  # high
    info = POSITIVE["vrfy_enabled"](info)
    return POSITIVE["submission_without_sender_binding"](info)


@pytest.mark.parametrize(
    "fail_on,kept",
    [
        ("high", {"high"}),
        ("medium", {"high", "medium"}),
        ("low", {"high", "medium", "low"}),
        ("info", {"high", "medium", "low", "info"}),
        ("never", set()),
    ],
)
def test_fail_on_keeps_exactly_the_findings_that_fail_at_that_threshold(fail_on, kept):
    for profile in ("intermediate", "modern"):
        every = tls_findings(_mixed(), profile=profile)
        blocking = tls_findings(_mixed(), profile=profile, fail_on=fail_on)
        assert blocking == [f for f in every if f["severity"] in kept]
    # the role and the playbook rely on a non-empty answer for a high finding at every threshold but never
    assert bool(tls_findings(_mixed(), fail_on=fail_on)) is (fail_on != "never")


def test_fail_on_is_validated_and_the_order_is_defined_once():
    with pytest.raises(AnsibleFilterError, match="fail_on must be one of high, medium, low, info, never"):
        tls_findings(cases.clean_info(), fail_on="critical")
    ranks = [_findings.severity_rank(sev) for sev in ("high", "medium", "low", "info", "bogus")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5
    with pytest.raises(ValueError, match="fail_on"):
        _findings.is_blocking("high", "sometimes")
