# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks added for the audit's blind spots: TLS 1.2 under modern, outbound plaintext, DANE without
DNSSEC or a validating resolver, weak mandatory outbound protocols, a dead SASL socket, excluded groups."""

import importlib.util
import os

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings

_spec = importlib.util.spec_from_file_location(
    "findings_cases", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test__findings.py")
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def only(info, fid, profile="intermediate"):
    found = [f for f in _findings.findings(info, profile) if f["id"] == fid]
    assert len(found) == 1, found
    return found[0]


def none_of(info, fid, profile="intermediate"):
    return [f for f in _findings.findings(info, profile) if f["id"] == fid] == []


# ---------------------------------------------------------------- tls12_on_modern_submission


def test_modern_flags_tls12_on_both_submission_listeners_only():
    found = [f for f in _findings.findings(cases.clean_info(), "modern") if f["id"] == "tls12_on_modern_submission"]
    assert sorted(f["service"] for f in found) == ["submission", "submissions"]
    assert all(f["fix"] == "main.cf: smtpd_tls_mandatory_protocols = >=TLSv1.3" for f in found)
    assert {f["severity"] for f in found} == {"low"}


def test_modern_fix_names_the_service_that_overrides_the_protocols():
    info = cases.clean_info()
    cases.lst(info, "submission").update(origins={"smtpd_tls_mandatory_protocols": "master.cf"})
    found = [f for f in _findings.findings(info, "modern") if f["service"] == "submission"]
    assert found[0]["fix"] == "master.cf service submission/inet: -o smtpd_tls_mandatory_protocols=>=TLSv1.3"


@pytest.mark.parametrize("profile", ["interop", "intermediate"])
def test_tls12_on_submission_is_fine_outside_modern(profile):
    assert none_of(cases.clean_info(), "tls12_on_modern_submission", profile)


def test_tls13_only_submission_passes_modern_and_weak_protocols_stay_the_other_finding():
    info = cases.clean_info()
    for name in ("submission", "submissions"):
        cases.lst(info, name).update(protocols=">=TLSv1.3", protocols_enabled=["TLSv1.3"])
    assert none_of(info, "tls12_on_modern_submission", "modern")
    cases.lst(info, "submission").update(protocols_enabled=["TLSv1", "TLSv1.2", "TLSv1.3"])
    ids = {f["id"] for f in _findings.findings(info, "modern") if f["service"] == "submission"}
    assert ids == {"weak_protocols_mandatory"}


# ---------------------------------------------------------------- outbound_tls_disabled


def test_outbound_level_none_is_plaintext():
    info = cases.clean_info()
    info["outbound"].update(security_level="none", security_level_source="smtp_tls_security_level")
    found = only(info, "outbound_tls_disabled")
    assert (found["severity"], found["service"]) == ("medium", "outbound")
    assert found["fix"].startswith("main.cf: smtp_tls_security_level = may")


def test_outbound_level_none_from_an_smtp_unix_override_is_fixed_there():
    info = cases.clean_info()
    info["outbound"].update(security_level="none", overrides={"smtp_tls_security_level": "none"})
    assert only(info, "outbound_tls_disabled")["fix"].startswith(
        "master.cf service smtp/unix: -o smtp_tls_security_level=may"
    )


@pytest.mark.parametrize("level", ["may", "encrypt", "dane"])
def test_outbound_with_tls_is_not_plaintext(level):
    info = cases.clean_info()
    info["outbound"].update(security_level=level, dns_support_level="dnssec")
    assert none_of(info, "outbound_tls_disabled")


# ---------------------------------------------------------------- dane_without_dnssec


@pytest.mark.parametrize("level,severity,effect", [("dane", "medium", "'may'"), ("dane-only", "high", "deferred")])
def test_dane_without_dnssec_lookups(level, severity, effect):
    info = cases.clean_info()
    info["outbound"].update(security_level=level, dns_support_level="enabled")
    found = only(info, "dane_without_dnssec")
    assert found["severity"] == severity
    assert effect in found["message"]
    assert found["fix"].startswith("main.cf: smtp_dns_support_level = dnssec")


def test_dane_with_dnssec_lookups_is_fine():
    info = cases.clean_info()
    info["outbound"].update(security_level="dane", dns_support_level="dnssec")
    assert none_of(info, "dane_without_dnssec")


# ---------------------------------------------------------------- dane_without_validating_resolver


def _dane(nameservers, level="dane"):
    info = cases.clean_info()
    info["outbound"].update(security_level=level, dns_support_level="dnssec")
    info["resolver"] = {"path": "/var/spool/postfix/etc/resolv.conf", "nameservers": nameservers}
    return info


@pytest.mark.parametrize("servers", [["192.0.2.53"], ["127.0.0.1", "2001:db8::53"], ["10.0.0.2"]])
def test_dane_with_a_resolver_off_this_host(servers):
    found = only(_dane(servers), "dane_without_validating_resolver")
    assert found["severity"] == "medium"
    assert "/var/spool/postfix/etc/resolv.conf" in found["message"]


def test_dane_behind_systemd_resolved_stub_is_reported_low():
    found = only(_dane(["127.0.0.53"]), "dane_without_validating_resolver")
    assert found["severity"] == "low" and "DNSSEC=yes" in found["message"]


@pytest.mark.parametrize("servers", [["127.0.0.1"], ["::1"], ["127.0.0.1", "::1"], []])
def test_dane_with_a_local_resolver_is_fine(servers):
    assert none_of(_dane(servers), "dane_without_validating_resolver")


def test_resolver_is_not_judged_without_dane_or_when_unreadable():
    info = _dane(["192.0.2.53"])
    info["outbound"]["security_level"] = "may"
    assert none_of(info, "dane_without_validating_resolver")
    info = _dane(["192.0.2.53"])
    info["resolver"]["error"] = "permission denied"
    assert none_of(info, "dane_without_validating_resolver")


# ---------------------------------------------------------------- outbound_mandatory_weak_protocols


def test_policy_table_with_weak_mandatory_protocols():
    info = cases.clean_info()
    info["outbound"].update(
        policy_maps="lmdb:/etc/postfix/tls_policy",
        mandatory_protocols="!SSLv2, !SSLv3",
        mandatory_protocols_enabled=["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    )
    found = only(info, "outbound_mandatory_weak_protocols")
    assert "lmdb:/etc/postfix/tls_policy" in found["message"] and "TLSv1, TLSv1.1" in found["message"]
    assert found["fix"] == "main.cf: smtp_tls_mandatory_protocols = >=TLSv1.2"


def test_global_encrypt_with_weak_mandatory_protocols():
    info = cases.clean_info()
    info["outbound"].update(
        security_level="encrypt", tls_mandatory=True, mandatory_protocols_enabled=["TLSv1.1", "TLSv1.2"]
    )
    assert "every destination" in only(info, "outbound_mandatory_weak_protocols")["message"]


def test_weak_mandatory_protocols_do_nothing_without_a_mandatory_level():
    info = cases.clean_info()
    info["outbound"].update(mandatory_protocols_enabled=["TLSv1", "TLSv1.2"])  # level may, no table
    assert none_of(info, "outbound_mandatory_weak_protocols")
    info["outbound"].update(policy_maps="hash:/etc/postfix/tls_policy", mandatory_protocols_enabled=["TLSv1.2"])
    assert none_of(info, "outbound_mandatory_weak_protocols")


# ---------------------------------------------------------------- sasl_socket_unreachable


def test_dead_sasl_socket_names_the_listeners_that_use_it():
    info = cases.clean_info()
    info["sasl_sockets"] = [
        {
            "path": "/var/spool/postfix/private/auth",
            "type": "dovecot",
            "services": ["submission", "submissions"],
            "reachable": False,
        }
    ]
    found = only(info, "sasl_socket_unreachable")
    assert (found["severity"], found["service"]) == ("high", "submission, submissions")
    assert "/var/spool/postfix/private/auth" in found["fix"]


@pytest.mark.parametrize("reachable", [True, None])  # None: not probed within the time budget
def test_answering_or_unprobed_socket_is_not_reported(reachable):
    info = cases.clean_info()
    info["sasl_sockets"] = [{"path": "/s", "type": "dovecot", "services": ["submission"], "reachable": reachable}]
    assert none_of(info, "sasl_socket_unreachable")


# ---------------------------------------------------------------- key_exchange_groups_excluded


def _groups(ec, ffdhe=None):
    info = cases.clean_info()
    info["key_exchange"] = {"tls_eecdh_auto_curves": ec, "tls_ffdhe_auto_groups": ffdhe}
    return info


def test_postfix_default_groups_are_reported_with_the_profile_list_as_fix():
    found = only(_groups("X25519 X448 prime256v1 secp521r1 secp384r1"), "key_exchange_groups_excluded")
    assert "X448, secp521r1" in found["message"]
    assert found["fix"] == "main.cf: tls_eecdh_auto_curves = X25519 prime256v1 secp384r1"
    assert found["severity"] == "low"
    assert only(_groups("X25519 X448"), "key_exchange_groups_excluded", "interop")["severity"] == "info"


def test_large_ffdhe_groups_are_reported():
    found = only(_groups("X25519 prime256v1", "ffdhe2048 ffdhe8192"), "key_exchange_groups_excluded")
    assert "ffdhe8192" in found["message"]


@pytest.mark.parametrize(
    "ec,ffdhe",
    [
        ("X25519 prime256v1 secp384r1", None),
        ("*X25519MLKEM768 *X25519 prime256v1 secp384r1", "ffdhe2048 ffdhe3072"),
        ("x25519:P-256:secp256r1:P-384", ""),
        ("", ""),  # Postfix 3.10: both empty hands the choice to OpenSSL's configuration
    ],
)
def test_profile_groups_in_any_spelling_are_fine(ec, ffdhe):
    assert none_of(_groups(ec, ffdhe), "key_exchange_groups_excluded")


def test_groups_are_not_judged_without_the_facts():
    assert none_of(cases.clean_info(), "key_exchange_groups_excluded")  # an older postfix_info result


def test_group_names_drop_openssl_markers_and_resolve_aliases():
    assert _findings.group_names("?*X25519MLKEM768 / *X25519:P-256, -X448 secp256r1") == [
        "x25519mlkem768",
        "x25519",
        "prime256v1",
        "prime256v1",
    ]
