# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One positive and one negative case per finding id, over hand-built postfix_info dicts."""

import copy

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings


def listener(service, port, **kw):
    """A hardened listener: the baseline's intended state."""
    mandatory = port != 25
    base = {
        "service": service,
        "type": "inet",
        "command": "smtpd",
        "via": None,
        "settings_service": "%s/inet" % service,
        "host": None,
        "port": port,
        "loopback": False,
        "tls_mode": "wrapper" if port == 465 else "starttls",
        "security_level": "encrypt" if mandatory else "may",
        "security_level_source": "smtpd_tls_security_level",
        "tls_mandatory": mandatory,
        "has_certificate": True,
        "certificate_files": [],
        "sasl_enabled": mandatory,
        "tls_auth_only": True,
        "sasl_security_options": ["noanonymous", "noplaintext"],
        "sasl_tls_security_options": ["noanonymous"],
        "client_restrictions": ["permit_sasl_authenticated", "reject"] if mandatory else [],
        "relay_restrictions": ["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"],
        "recipient_restrictions": [],
        "mandatory_settings_ignored": {},
        "overrides": {},
        "deprecated_overrides": [],
        "origins": {},
        "protocols_param": "smtpd_tls_mandatory_protocols" if mandatory else "smtpd_tls_protocols",
        "protocols": ">=TLSv1.2",
        "protocols_enabled": ["TLSv1.2", "TLSv1.3"],
        "ciphers_param": "smtpd_tls_mandatory_ciphers" if mandatory else "smtpd_tls_ciphers",
        "ciphers": "medium",
        "exclude_params": ["smtpd_tls_exclude_ciphers"],
        "exclude_ciphers": ["aNULL", "eNULL"],
        "anonymous_ciphers_excluded": True,
    }
    base.update(kw)
    return base


def certificate(**kw):
    base = {
        "path": "/etc/ssl/mx.pem",
        "key_path": "/etc/ssl/mx.key",
        "params": ["smtpd_tls_chain_files"],
        "used_by": ["smtp", "submission", "submissions"],
        "subject": "CN = mx.example.com",
        "common_name": "mx.example.com",
        "issuer": "C = US, O = Let's Encrypt, CN = E5",
        "sans": ["mx.example.com"],
        "self_signed": False,
        "not_after": "2030-01-01T00:00:00Z",
        "days_left": 400,
        "expired": False,
        "key_type": "EC",
        "key_bits": 256,
        "hostname": "mx.example.com",
        "covers_hostname": True,
        "key_matches": True,
    }
    base.update(kw)
    return base


def clean_info():
    return {
        "version": "3.7.11",
        "config_dir": "/etc/postfix",
        "source": "postconf",
        "myhostname": "mx.example.com",
        "main": {},
        "services": [],
        "listeners": [listener("smtp", 25), listener("submission", 587), listener("submissions", 465)],
        "outbound": {
            "security_level": "may",
            "tls_mandatory": False,
            "policy_maps": "",
            "mandatory_settings_ignored": {},
            "protocols_param": "smtp_tls_protocols",
            "protocols": ">=TLSv1.2",
            "protocols_enabled": ["TLSv1.2", "TLSv1.3"],
        },
        "deprecated": [],
        "disable_vrfy_command": True,
        "certificates": [certificate()],
    }


def lst(info, service):
    return next(item for item in info["listeners"] if item["service"] == service)


def ids(findings, fid):
    return [f for f in findings if f["id"] == fid]


def test_clean_baseline_has_no_findings():
    assert _findings.findings(clean_info()) == []


def test_every_finding_has_the_contract_keys():
    info = clean_info()
    lst(info, "smtp").update(sasl_enabled=True, tls_auth_only=False)
    for finding in _findings.findings(info):
        assert set(finding) == {"id", "severity", "service", "message", "fix"}
        assert finding["severity"] in _findings.SEVERITIES
        assert finding["id"] in _findings.FINDING_IDS


def test_unknown_profile_is_rejected():
    with pytest.raises(ValueError):
        _findings.findings(clean_info(), profile="paranoid")


# ---------------------------------------------------------------- auth_on_public_smtp


def test_auth_on_public_smtp_positive():
    info = clean_info()
    lst(info, "smtp")["sasl_enabled"] = True
    (found,) = ids(_findings.findings(info), "auth_on_public_smtp")
    assert found["service"] == "smtp"
    assert found["severity"] == "high"
    assert "main.cf: smtpd_sasl_auth_enable = no" in found["fix"]


def test_auth_on_public_smtp_fix_names_the_service_when_overridden():
    info = clean_info()
    lst(info, "smtp").update(sasl_enabled=True, origins={"smtpd_sasl_auth_enable": "master.cf"})
    (found,) = ids(_findings.findings(info), "auth_on_public_smtp")
    assert "master.cf service smtp/inet: -o smtpd_sasl_auth_enable=no" in found["fix"]


def test_auth_on_public_smtp_negative_submission_only():
    assert ids(_findings.findings(clean_info()), "auth_on_public_smtp") == []


# ---------------------------------------------------------------- auth_without_tls


def test_auth_without_tls_positive():
    info = clean_info()
    lst(info, "submission").update(tls_auth_only=False, tls_mandatory=False, security_level="may")
    (found,) = ids(_findings.findings(info), "auth_without_tls")
    assert found["service"] == "submission"
    assert "smtpd_tls_auth_only = yes" in found["fix"]


def test_auth_without_tls_negative_when_level_encrypt():
    info = clean_info()
    lst(info, "submission")["tls_auth_only"] = False  # encrypt still protects AUTH
    assert ids(_findings.findings(info), "auth_without_tls") == []


# ---------------------------------------------------------------- sasl_anonymous_allowed


def test_sasl_anonymous_allowed_positive_user_noplaintext():
    info = clean_info()
    lst(info, "submission").update(sasl_security_options=["noplaintext"], sasl_tls_security_options=["noplaintext"])
    (found,) = ids(_findings.findings(info), "sasl_anonymous_allowed")
    assert found["severity"] == "high"
    assert "smtpd_sasl_tls_security_options = noanonymous" in found["fix"]
    assert "replaces" in found["message"]


def test_sasl_anonymous_allowed_low_when_only_unreachable_plain_set():
    info = clean_info()
    lst(info, "submission")["sasl_security_options"] = ["noplaintext"]
    (found,) = ids(_findings.findings(info), "sasl_anonymous_allowed")
    assert found["severity"] == "low"


def test_sasl_anonymous_allowed_negative_without_sasl():
    info = clean_info()
    lst(info, "smtp")["sasl_security_options"] = []
    assert ids(_findings.findings(info), "sasl_anonymous_allowed") == []


# ---------------------------------------------------------------- submission_tls_optional


def test_submission_tls_optional_positive():
    info = clean_info()
    lst(info, "submission").update(tls_mandatory=False, security_level="may")
    (found,) = ids(_findings.findings(info), "submission_tls_optional")
    assert "master.cf service submission: -o smtpd_tls_security_level=encrypt" in found["fix"]


def test_submission_tls_optional_negative_wrapper_mode():
    info = clean_info()
    lst(info, "submissions")["security_level"] = "may"  # wrapper mode enforces TLS anyway
    assert ids(_findings.findings(info), "submission_tls_optional") == []


# ---------------------------------------------------------------- weak_protocols_mandatory


def test_weak_protocols_mandatory_positive():
    info = clean_info()
    lst(info, "submission").update(
        protocols="!SSLv2, !SSLv3", protocols_enabled=["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    )
    (found,) = ids(_findings.findings(info), "weak_protocols_mandatory")
    assert found["service"] == "submission"
    assert found["fix"] == "main.cf: smtpd_tls_mandatory_protocols = >=TLSv1.2"


def test_weak_protocols_mandatory_old_postfix_gets_exclusion_syntax():
    info = clean_info()
    info["version"] = "3.5.18"
    lst(info, "submission").update(protocols_enabled=["TLSv1", "TLSv1.2"])
    (found,) = ids(_findings.findings(info), "weak_protocols_mandatory")
    assert found["fix"].endswith("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1")


def test_weak_protocols_mandatory_negative_opportunistic_port():
    info = clean_info()
    lst(info, "smtp").update(protocols_enabled=["TLSv1", "TLSv1.2"])
    assert ids(_findings.findings(info), "weak_protocols_mandatory") == []


# ---------------------------------------------------------------- weak_protocols_opportunistic


@pytest.mark.parametrize(
    ("profile", "severity"), [("interop", "info"), ("intermediate", "medium"), ("modern", "medium")]
)
def test_weak_protocols_opportunistic_positive(profile, severity):
    info = clean_info()
    lst(info, "smtp").update(protocols=">=TLSv1", protocols_enabled=["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"])
    (found,) = ids(_findings.findings(info, profile=profile), "weak_protocols_opportunistic")
    assert found["severity"] == severity
    assert found["fix"] == "main.cf: smtpd_tls_protocols = >=TLSv1.2"


def test_weak_protocols_opportunistic_negative_without_tls():
    info = clean_info()
    lst(info, "smtp").update(tls_mode="none", protocols_enabled=["TLSv1"])
    assert ids(_findings.findings(info), "weak_protocols_opportunistic") == []


# ---------------------------------------------------------------- anonymous_ciphers


@pytest.mark.parametrize(("service", "severity"), [("smtp", "medium"), ("submission", "high")])
def test_anonymous_ciphers_positive(service, severity):
    info = clean_info()
    lst(info, service).update(anonymous_ciphers_excluded=False, exclude_ciphers=[])
    (found,) = ids(_findings.findings(info), "anonymous_ciphers")
    assert found["severity"] == severity
    assert "aNULL:-aNULL" in found["message"]
    assert found["fix"].startswith("main.cf: smtpd_tls_exclude_ciphers = aNULL, eNULL")


def test_anonymous_ciphers_negative_loopback_listener():
    info = clean_info()
    info["listeners"].append(
        listener("127.0.0.1:10025", 10025, host="127.0.0.1", loopback=True, anonymous_ciphers_excluded=False)
    )
    assert ids(_findings.findings(info), "anonymous_ciphers") == []


# ---------------------------------------------------------------- mandatory_settings_ignored


def test_mandatory_settings_ignored_positive_listener_and_outbound():
    info = clean_info()
    lst(info, "smtp")["mandatory_settings_ignored"] = {"smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3"}
    info["outbound"]["mandatory_settings_ignored"] = {"smtp_tls_mandatory_ciphers": "high"}
    found = ids(_findings.findings(info), "mandatory_settings_ignored")
    assert sorted(f["service"] for f in found) == ["outbound", "smtp"]
    smtp = next(f for f in found if f["service"] == "smtp")
    assert (
        "at smtpd_tls_security_level=may Postfix uses smtpd_tls_protocols, not smtpd_tls_mandatory_protocols"
        in smtp["message"]
    )
    assert "main.cf: smtpd_tls_protocols = >=TLSv1.2" in smtp["fix"]


def test_mandatory_settings_ignored_negative_when_mandatory():
    info = clean_info()
    # a mandatory listener never reports them (the module leaves the dict empty there too)
    lst(info, "submission")["mandatory_settings_ignored"] = {"smtpd_tls_mandatory_protocols": ">=TLSv1.2"}
    info["outbound"].update(tls_mandatory=True, mandatory_settings_ignored={"smtp_tls_mandatory_ciphers": "high"})
    assert ids(_findings.findings(info), "mandatory_settings_ignored") == []


# ---------------------------------------------------------------- deprecated_parameter


def test_deprecated_parameter_positive():
    info = clean_info()
    info["deprecated"] = [
        {"parameter": "smtpd_use_tls", "value": "yes", "service": "main.cf", "replacement": "smtpd_tls_security_level"},
        {
            "parameter": "smtpd_enforce_tls",
            "value": "yes",
            "service": "submission",
            "replacement": "smtpd_tls_security_level",
        },
    ]
    found = ids(_findings.findings(info), "deprecated_parameter")
    fixes = sorted(f["fix"] for f in found)
    assert fixes[0].startswith("main.cf: remove smtpd_use_tls")
    assert fixes[1].startswith("master.cf service submission: remove -o smtpd_enforce_tls")


def test_deprecated_parameter_negative():
    assert ids(_findings.findings(clean_info()), "deprecated_parameter") == []


# ---------------------------------------------------------------- no_starttls


@pytest.mark.parametrize("change", [{"tls_mode": "none", "security_level": "none"}, {"has_certificate": False}])
def test_no_starttls_positive(change):
    info = clean_info()
    lst(info, "smtp").update(change)
    (found,) = ids(_findings.findings(info), "no_starttls")
    assert found["service"] == "smtp"
    assert "smtpd_tls_security_level = may" in found["fix"]


def test_no_starttls_negative_other_port():
    info = clean_info()
    info["listeners"].append(listener("2525", 2525, tls_mode="none", security_level="none", tls_mandatory=False))
    assert ids(_findings.findings(info), "no_starttls") == []


# ---------------------------------------------------------------- certificates


def test_cert_name_mismatch_positive_wildcard_for_bare_domain():
    info = clean_info()
    info["certificates"] = [certificate(sans=["*.example.com"], hostname="example.com", covers_hostname=False)]
    found = ids(_findings.findings(info), "cert_name_mismatch")
    assert {f["service"]: f["severity"] for f in found} == {
        "smtp": "medium",
        "submission": "medium",
        "submissions": "medium",
    }
    assert "one label" in found[0]["message"]


def test_cert_name_mismatch_negative():
    assert ids(_findings.findings(clean_info()), "cert_name_mismatch") == []


def test_cert_self_signed_positive():
    info = clean_info()
    info["certificates"] = [certificate(self_signed=True)]
    found = {f["service"]: f["severity"] for f in ids(_findings.findings(info), "cert_self_signed")}
    assert found == {"smtp": "info", "submission": "medium", "submissions": "medium"}


def test_cert_self_signed_negative_outbound_client_cert():
    info = clean_info()
    info["certificates"] = [certificate(self_signed=True, used_by=["outbound"])]
    assert ids(_findings.findings(info), "cert_self_signed") == []


@pytest.mark.parametrize(
    ("days", "expired", "severity"), [(20, False, "medium"), (5, False, "high"), (-3, True, "high")]
)
def test_cert_expiring_positive(days, expired, severity):
    info = clean_info()
    info["certificates"] = [certificate(days_left=days, expired=expired)]
    (found,) = ids(_findings.findings(info), "cert_expiring")
    assert found["severity"] == severity


def test_cert_expiring_negative():
    info = clean_info()
    info["certificates"] = [certificate(days_left=30)]
    assert ids(_findings.findings(info), "cert_expiring") == []


def test_cert_key_mismatch_positive_and_negative():
    info = clean_info()
    info["certificates"] = [certificate(key_matches=False)]
    assert ids(_findings.findings(info), "cert_key_mismatch")
    info["certificates"] = [certificate(key_matches=None)]  # unreadable key: unknown, not a mismatch
    assert ids(_findings.findings(info), "cert_key_mismatch") == []


def test_cert_unreadable_positive_and_negative():
    info = clean_info()
    info["certificates"] = [
        {
            "path": "/nope.pem",
            "key_path": "/nope.pem",
            "params": ["smtpd_tls_cert_file"],
            "used_by": ["smtp"],
            "error": "No such file",
        }
    ]
    (found,) = ids(_findings.findings(info), "cert_unreadable")
    assert found["service"] == "smtp"
    assert ids(_findings.findings(clean_info()), "cert_unreadable") == []


@pytest.mark.parametrize(
    ("key_type", "bits", "profile", "severity"),
    [("RSA", 1024, "intermediate", "high"), ("RSA", 2048, "modern", "low"), ("EC", 192, "intermediate", "high")],
)
def test_weak_key_positive(key_type, bits, profile, severity):
    info = clean_info()
    info["certificates"] = [certificate(key_type=key_type, key_bits=bits)]
    (found,) = ids(_findings.findings(info, profile=profile), "weak_key")
    assert found["severity"] == severity


@pytest.mark.parametrize(
    ("key_type", "bits", "profile"), [("RSA", 2048, "intermediate"), ("RSA", 4096, "modern"), ("EC", 256, "modern")]
)
def test_weak_key_negative(key_type, bits, profile):
    info = clean_info()
    info["certificates"] = [certificate(key_type=key_type, key_bits=bits)]
    assert ids(_findings.findings(info, profile=profile), "weak_key") == []


# ---------------------------------------------------------------- open_relay_risk


def test_open_relay_risk_positive():
    info = clean_info()
    lst(info, "smtp").update(relay_restrictions=[], recipient_restrictions=["permit_mynetworks", "permit"])
    (found,) = ids(_findings.findings(info), "open_relay_risk")
    assert found["service"] == "smtp"
    assert "reject_unauth_destination" in found["fix"]


@pytest.mark.parametrize(
    "change",
    [
        {
            "relay_restrictions": [],
            "recipient_restrictions": ["permit_sasl_authenticated", "permit_mynetworks", "reject_unauth_destination"],
        },
        {"relay_restrictions": ["permit_mynetworks", "defer_unauth_destination"]},
        {"relay_restrictions": [], "client_restrictions": ["permit_sasl_authenticated", "reject"]},
    ],
)
def test_open_relay_risk_negative(change):
    info = clean_info()
    lst(info, "submission").update(change)
    assert ids(_findings.findings(info), "open_relay_risk") == []


# ---------------------------------------------------------------- vrfy_enabled


def test_vrfy_enabled_positive_and_negative():
    info = clean_info()
    info["disable_vrfy_command"] = False
    (found,) = ids(_findings.findings(info), "vrfy_enabled")
    assert found["fix"] == "main.cf: disable_vrfy_command = yes"
    assert ids(_findings.findings(clean_info()), "vrfy_enabled") == []


def test_findings_sorted_by_severity_and_input_not_mutated():
    info = clean_info()
    lst(info, "smtp")["sasl_enabled"] = True
    info["disable_vrfy_command"] = False
    snapshot = copy.deepcopy(info)
    found = _findings.findings(info)
    order = [_findings.SEVERITIES.index(f["severity"]) for f in found]
    assert order == sorted(order)
    assert info == snapshot


def test_catalogue_covers_every_issue_id():
    required = {
        "auth_on_public_smtp", "auth_without_tls", "sasl_anonymous_allowed", "submission_tls_optional",
        "weak_protocols_mandatory", "weak_protocols_opportunistic", "anonymous_ciphers", "mandatory_settings_ignored",
        "deprecated_parameter", "no_starttls", "cert_name_mismatch", "cert_self_signed", "cert_expiring", "weak_key",
        "open_relay_risk", "vrfy_enabled",
    }  # fmt: skip
    assert required <= set(_findings.FINDING_IDS)
