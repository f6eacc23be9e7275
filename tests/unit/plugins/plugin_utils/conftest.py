# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small fleet for the report writers: a legacy server whose values are hostile, a hardened one,
an unreachable one and one whose read failed, as the audit playbook registers them."""

import copy

import pytest

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def listener(service, port, **kw):
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


def hardened_info(myhostname="mx.example.org"):
    return {
        "version": "3.10.5",
        "config_dir": "/etc/postfix",
        "source": "postconf",
        "myhostname": myhostname,
        "main": {"smtpd_banner": "$myhostname ESMTP"},
        "services": [],
        "listeners": [
            listener("smtp", 25),
            listener("submission", 587),
            listener("submissions", 465),
            listener("127.0.0.1:10025", 10025, host="127.0.0.1", loopback=True),
        ],
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
        "running": True,
        "certificates": [
            {
                "path": "/etc/postfix/tls/mx.example.org-ecdsa.crt",
                "key_path": "/etc/postfix/tls/mx.example.org-ecdsa.key",
                "params": ["smtpd_tls_chain_files"],
                "used_by": ["smtp", "submission", "submissions"],
                "subject": "CN = mx.example.org",
                "common_name": "mx.example.org",
                "issuer": "CN = mailsec private CA",
                "sans": ["mx.example.org"],
                "self_signed": False,
                "not_after": "2030-01-01T00:00:00Z",
                "days_left": 400,
                "expired": False,
                "key_type": "EC",
                "key_bits": 256,
                "hostname": myhostname,
                "covers_hostname": True,
                "key_matches": True,
            }
        ],
    }


def legacy_info():
    """The configuration from the user's question, with attacker-chosen names and banner."""
    info = hardened_info(myhostname="mx" + HOSTILE + ".example.com")
    info["main"] = {"smtpd_banner": "$myhostname ESMTP " + HOSTILE + "</style>\x1b[31m\x00"}
    smtp, submission = info["listeners"][0], info["listeners"][1]
    smtp.update(
        sasl_enabled=True,
        tls_auth_only=False,
        protocols=">=TLSv1",
        protocols_enabled=["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        anonymous_ciphers_excluded=False,
        exclude_ciphers=[],
        mandatory_settings_ignored={"smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3"},
    )
    submission.update(
        service="submission" + HOSTILE,
        protocols="!SSLv2, !SSLv3",
        protocols_enabled=["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        overrides={"smtpd_tls_security_level": "encrypt", "smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3"},
        origins={"smtpd_tls_security_level": "master.cf", "smtpd_tls_mandatory_protocols": "master.cf"},
    )
    info["listeners"] = info["listeners"][:2]
    info["disable_vrfy_command"] = False
    info["certificates"][0].update(
        path="/etc/ssl/cacert/certs/example.com.crt",
        used_by=["smtp", "submission" + HOSTILE],
        subject="CN = *.example.com" + HOSTILE,
        sans=["*.example.com"],
        self_signed=True,
        covers_hostname=False,
        key_type="RSA",
        key_bits=4096,
    )
    info["deprecated"] = [{"parameter": "smtpd_use_tls", "value": "yes", "service": None, "replacement": None}]
    return info


def unreachable_result():
    return {
        "unreachable": True,
        "changed": False,
        "msg": "Failed to connect to the host via ssh: connect to host mx3 port 22: Connection refused " + HOSTILE,
    }


def failed_result():
    return {"failed": False, "failed_when_result": False, "msg": "postconf: fatal: open /etc/postfix/main.cf"}


@pytest.fixture
def fleet():
    """Host name -> what the audit playbook registered, in inventory order."""
    return {
        "legacy" + HOSTILE + ".example.com": {"changed": False, "postfix_info": legacy_info()},
        "mx.example.org": {"changed": False, "postfix_info": hardened_info()},
        "mx3.example.org": unreachable_result(),
        "mx4.example.org": failed_result(),
    }


@pytest.fixture
def hardened_fleet():
    return {
        "mx1.example.org": {"postfix_info": hardened_info("mx1.example.org")},
        "mx2.example.org": {"postfix_info": copy.deepcopy(hardened_info("mx2.example.org"))},
    }
