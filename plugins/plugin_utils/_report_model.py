# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet model behind the audit reports (controller side, pure).

``build(fleet, ...)`` turns what the audit playbook registered per host (the
``mailsec.postfix.postfix_info`` result, or the unreachable/failed result in its
place) into one dict that every writer (``_report_json``, ``_report_junit``,
``_report_sarif``, ``_report_html``) renders. Findings come from
``_findings.findings``, the function behind the ``tls_findings`` filter, so the
reports and the text audit never disagree.

Everything taken from a server is plain ``str`` here (surrogates from
undecodable bytes replaced); the writers escape for their format.
"""

import re
from collections.abc import Mapping

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings

SEVERITIES = _findings.SEVERITIES
FAIL_ON = _findings.FAIL_ON
STATUSES = ("audited", "unreachable", "failed")
REPORT_FILES = ("findings.json", "findings.junit.xml", "findings.sarif", "report.html")
TOOL_NAME = "mailsec.postfix audit"
TOOL_URI = "https://github.com/mailsec/postfix"

# id -> (short description, what to do). The finding itself carries the exact fix for
# that host; this is the rule text for SARIF and the check names for JUnit. An id that
# is not listed here (a check added later) still works: it gets a generic text.
RULES = {
    "auth_on_public_smtp": (
        "SASL AUTH is offered on port 25",
        "AUTH on the server-to-server MX port invites password guessing and mixes mail submission with MX "
        "traffic. Set main.cf: smtpd_sasl_auth_enable = no and enable AUTH only in the submission/submissions "
        "services (master.cf: -o smtpd_sasl_auth_enable=yes).",
    ),
    "auth_without_tls": (
        "AUTH is offered before TLS",
        "Passwords can cross the network in plaintext. Set main.cf: smtpd_tls_auth_only = yes, and for "
        "submission master.cf: -o smtpd_tls_security_level=encrypt.",
    ),
    "relay_auth_without_mandatory_tls": (
        "The relay login can be sent without TLS",
        "smtp_sasl_auth_enable = yes while TLS to the relayhost is only opportunistic, so a stripped STARTTLS sends "
        "the password in plaintext. Make TLS mandatory for the relay alone: a TLS policy table entry "
        "'[relay]:587 encrypt' (or secure) in smtp_tls_policy_maps, then postmap the table.",
    ),
    "relay_sasl_anonymous_allowed": (
        "The SMTP client accepts anonymous SASL towards the relay",
        "The smtp_sasl_*security_options lists replace their defaults, so noanonymous must stay in them. Set "
        "smtp_sasl_security_options = noplaintext, noanonymous and smtp_sasl_tls_security_options = noanonymous.",
    ),
    "relay_password_map_readable": (
        "The relay password map is readable by others",
        "The map holds the relay password in clear. Make its source and built file root-owned and 0600: "
        "chown root:root FILE FILE.db; chmod 0600 FILE FILE.db (or .lmdb).",
    ),
    "submission_without_sender_binding": (
        "A logged-in user can send as any address",
        "Bind SASL logins to their addresses on the submission services: -o smtpd_sender_login_maps=hash:/etc/postfix/"
        "sender_logins and -o smtpd_sender_restrictions=reject_sender_login_mismatch (role: "
        "postfix_hardening_sender_logins).",
    ),
    "sasl_anonymous_allowed": (
        "Anonymous SASL mechanisms are acceptable",
        "The SASL security option lists replace their default, so noanonymous must stay in them. Set "
        "smtpd_sasl_security_options = noanonymous, noplaintext and smtpd_sasl_tls_security_options = noanonymous.",
    ),
    "submission_tls_optional": (
        "A submission listener does not require TLS",
        "Clients may submit mail in plaintext and a man in the middle can strip STARTTLS. Set master.cf: "
        "-o smtpd_tls_security_level=encrypt on submission (587), -o smtpd_tls_wrappermode=yes on submissions (465).",
    ),
    "weak_protocols_mandatory": (
        "Mandatory TLS still allows TLS 1.0/1.1",
        "'!SSLv2, !SSLv3' excludes only SSL. Set the protocol parameter in force (smtpd_tls_mandatory_protocols) "
        "to >=TLSv1.2 (Postfix 3.6+) or '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1'.",
    ),
    "weak_protocols_opportunistic": (
        "Opportunistic TLS allows legacy protocols",
        "At security level may, Postfix uses smtpd_tls_protocols, not the mandatory parameter. Set "
        "smtpd_tls_protocols = >=TLSv1.2 unless the interop profile is wanted.",
    ),
    "anonymous_ciphers": (
        "Anonymous (aNULL) cipher suites are offered",
        "Cipher grades start with aNULL by design; only the exclusion parameters remove it. Set "
        "smtpd_tls_exclude_ciphers = aNULL, eNULL.",
    ),
    "mandatory_settings_ignored": (
        "*_mandatory_* TLS settings have no effect at this level",
        "The mandatory parameters apply only at level encrypt or in wrapper mode. Set the opportunistic "
        "parameters that are in force (smtpd_tls_protocols, smtpd_tls_exclude_ciphers; smtp_tls_protocols "
        "outbound).",
    ),
    "deprecated_parameter": (
        "An obsolete parameter is set",
        "Remove the parameter; the finding names the parameter that governs instead.",
    ),
    "no_starttls": (
        "Port 25 does not offer STARTTLS",
        "Mail from other servers travels in plaintext. Set smtpd_tls_security_level = may and configure a "
        "certificate (smtpd_tls_chain_files).",
    ),
    "cert_name_mismatch": (
        "The certificate does not cover myhostname",
        "Verifying peers (MTA-STS, 'secure' policies, mail clients) reject the name. Issue a certificate whose "
        "subjectAltName includes the host name, or set myhostname to a name it covers.",
    ),
    "cert_self_signed": (
        "The certificate is self-signed",
        "MTA-STS and verifying clients cannot trust it. Use a private CA known to the clients or a public CA.",
    ),
    "cert_expiring": (
        "The certificate has expired or expires within 30 days",
        "Renew the certificate and reload Postfix.",
    ),
    "cert_key_mismatch": (
        "The private key does not belong to the certificate",
        "The TLS handshake fails. Point the certificate and key parameters at the matching pair.",
    ),
    "cert_unreadable": (
        "A configured certificate could not be inspected",
        "The file must exist and be a PEM certificate readable by root.",
    ),
    "weak_key": (
        "The certificate key is weak",
        "Use ECDSA P-256 and/or RSA of at least 2048 bits (3072 for the modern profile).",
    ),
    "open_relay_risk": (
        "Unauthenticated relaying is not refused",
        "Neither smtpd_relay_restrictions nor smtpd_recipient_restrictions ends with reject_unauth_destination. "
        "Set smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination.",
    ),
    "vrfy_enabled": (
        "The VRFY command is enabled",
        "VRFY lets anyone probe which addresses exist. Set main.cf: disable_vrfy_command = yes.",
    ),
    "tls12_on_modern_submission": (
        "Submission allows TLS 1.2 under the modern profile",
        "The modern profile asks for TLS 1.3 only on the submission listeners. Set the mandatory protocol "
        "parameter in force to >=TLSv1.3.",
    ),
    "outbound_tls_disabled": (
        "The smtp client never uses TLS",
        "At smtp_tls_security_level = none, mail leaves in plaintext even to servers that offer TLS. Set "
        "main.cf: smtp_tls_security_level = may (or dane).",
    ),
    "dane_without_dnssec": (
        "DANE is configured without DNSSEC lookups",
        "DANE needs DNSSEC lookups. Set main.cf: smtp_dns_support_level = dnssec.",
    ),
    "outbound_mandatory_weak_protocols": (
        "Mandatory outbound TLS still allows TLS 1.0/1.1",
        "Destinations that require TLS may still negotiate a legacy protocol. Set main.cf: "
        "smtp_tls_mandatory_protocols = >=TLSv1.2.",
    ),
    "sasl_socket_unreachable": (
        "Nothing answers on the SASL socket",
        "smtpd cannot list AUTH mechanisms and drops clients that try to authenticate. Start the SASL server "
        "(Dovecot) or point smtpd_sasl_path at the socket it listens on.",
    ),
    "dane_without_validating_resolver": (
        "DANE without a local validating resolver",
        "DANE needs a DNSSEC-validating resolver the smtp client trusts (on the loopback address). Run one "
        "locally and list it in resolv.conf.",
    ),
    "key_exchange_groups_excluded": (
        "Key-exchange groups outside the profile are enabled",
        "Set main.cf: tls_eecdh_auto_curves to the groups the profile allows (X25519, prime256v1, secp384r1; "
        "X25519MLKEM768 where supported).",
    ),
}

severity_rank = _findings.severity_rank
is_blocking = _findings.is_blocking


def rule_text(fid):
    """(short description, help) for a finding id."""
    if fid in RULES:
        return RULES[fid]
    return (fid.replace("_", " ").capitalize(), "See the finding's message and fix.")


def check_ids(findings=()):
    """Every check the catalogue runs, then any id seen that it does not list (in order seen)."""
    ids = list(getattr(_findings, "FINDING_IDS", ()))
    for finding in findings:
        if finding["id"] not in ids:
            ids.append(finding["id"])
    return ids


_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text(value):
    """A plain ``str`` from anything a server returned; undecodable bytes become U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _SURROGATE.sub("\ufffd", str(value))


def printable(value):
    """``text`` without the control characters XML 1.0 cannot carry (shown as U+FFFD)."""
    return _XML_INVALID.sub("\ufffd", text(value))


def plain(value):
    """Deep copy into plain JSON types (str/int/float/bool/None/list/dict)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {text(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return text(value)


def _pairs(fleet):
    """(host, registered result) pairs from a mapping or a list of pairs / {host, result} dicts."""
    if isinstance(fleet, Mapping):
        return list(fleet.items())
    pairs = []
    for item in fleet or []:
        if isinstance(item, Mapping):
            pairs.append((item.get("host"), item.get("result")))
        else:
            host, result = item
            pairs.append((host, result))
    return pairs


def _status(result):
    """(status, error) of one host's registered postfix_info result."""
    if not isinstance(result, Mapping):
        return "failed", "no audit result for this host (it left the play before the audit ran)"
    if result.get("unreachable"):
        return "unreachable", text(result.get("msg") or "host unreachable")
    info = result.get("postfix_info")
    if result.get("skipped"):
        return "failed", text(result.get("skip_reason") or result.get("msg") or "the audit was skipped on this host")
    if not isinstance(info, Mapping) or "listeners" not in info:
        return "failed", text(result.get("msg") or "postfix_info returned no configuration")
    return "audited", ""


def _file_of(finding):
    """The configuration file the fix goes into."""
    return "master.cf" if finding.get("fix", "").startswith("master.cf") else "main.cf"


def _listener_view(lst):
    port = lst.get("port")
    return {
        "service": text(lst.get("service")),
        "settings_service": text(lst.get("settings_service")),
        "address": text(lst.get("host")),
        "port": port if isinstance(port, int) else None,
        "loopback": bool(lst.get("loopback")),
        "via": text(lst.get("via")),
        "tls_mode": text(lst.get("tls_mode")),
        "security_level": text(lst.get("security_level")),
        "protocols_param": text(lst.get("protocols_param")),
        "protocols": text(lst.get("protocols")),
        "ciphers_param": text(lst.get("ciphers_param")),
        "ciphers": text(lst.get("ciphers")),
        "sasl_enabled": bool(lst.get("sasl_enabled")),
    }


def _certificate_view(cert):
    keep = (
        "path",
        "used_by",
        "subject",
        "issuer",
        "sans",
        "not_after",
        "days_left",
        "key_type",
        "key_bits",
        "self_signed",
        "covers_hostname",
        "key_matches",
        "error",
    )
    return {key: plain(cert.get(key)) for key in keep if key in cert}


def _host(name, result, profile, fail_on):
    status, error = _status(result)
    host = {
        "name": text(name),
        "status": status,
        "error": error,
        "postfix_version": "",
        "myhostname": "",
        "banner": "",
        "config_dir": "",
        "source": "",
        "running": None,
        "listeners": [],
        "outbound": {},
        "certificates": [],
    }
    findings = []
    if status == "audited":
        info = result["postfix_info"]
        try:
            findings = plain(_findings.findings(info, profile=profile))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            host["status"], host["error"] = "failed", "malformed postfix_info (%r)" % (exc,)
        main = info.get("main") if isinstance(info.get("main"), Mapping) else {}
        outbound = info.get("outbound") if isinstance(info.get("outbound"), Mapping) else {}
        host.update(
            postfix_version=text(info.get("version")),
            myhostname=text(info.get("myhostname")),
            banner=text(main.get("smtpd_banner")),
            config_dir=text(info.get("config_dir") or "/etc/postfix"),
            source=text(info.get("source")),
            running=info.get("running") if isinstance(info.get("running"), bool) else None,
            listeners=[_listener_view(lst) for lst in info.get("listeners") or [] if isinstance(lst, Mapping)],
            outbound={
                "security_level": text(outbound.get("security_level")),
                "protocols_param": text(outbound.get("protocols_param")),
                "protocols": text(outbound.get("protocols")),
                "policy_maps": text(outbound.get("policy_maps")),
            },
            certificates=[_certificate_view(c) for c in info.get("certificates") or [] if isinstance(c, Mapping)],
        )
    config_dir = host["config_dir"] or "/etc/postfix"
    for finding in findings:
        finding.update(
            host=host["name"],
            blocking=is_blocking(finding["severity"], fail_on),
            file="%s/%s" % (config_dir.rstrip("/"), _file_of(finding)),
            title=rule_text(finding["id"])[0],
        )
    host["counts"] = {sev: sum(1 for f in findings if f["severity"] == sev) for sev in SEVERITIES}
    host["worst"] = next((sev for sev in SEVERITIES if host["counts"][sev]), None)
    host["blocking"] = sum(1 for f in findings if f["blocking"])
    if host["status"] != "audited":
        host["result"] = "not audited"
    else:
        host["result"] = "fail" if host["blocking"] else "pass"
    return host, findings


def build(fleet, profile="intermediate", fail_on="high", generated="", tool_version=""):
    """The report model for a fleet: ``{generated, profile, audit_fail_on, result, summary, hosts, findings}``.

    ``fleet`` maps each host of the play to what the audit registered for it (a
    ``postfix_info`` result, or an unreachable/failed result); a list of
    ``(host, result)`` pairs or ``{host, result}`` dicts is accepted too, in
    report order. ``result`` is ``fail`` when a host could not be audited or has a
    finding at or above ``fail_on``.
    """
    if profile not in _findings.PROFILES:
        raise ValueError("profile must be one of %s, got %r" % (", ".join(_findings.PROFILES), profile))
    if fail_on not in FAIL_ON:
        raise ValueError("audit_fail_on must be one of %s, got %r" % (", ".join(FAIL_ON), fail_on))
    hosts, findings = [], []
    for name, result in _pairs(fleet):
        host, host_findings = _host(name, result, profile, fail_on)
        hosts.append(host)
        findings.extend(host_findings)
    summary = {
        "hosts": len(hosts),
        "audited": sum(1 for h in hosts if h["status"] == "audited"),
        "unreachable": sum(1 for h in hosts if h["status"] == "unreachable"),
        "failed": sum(1 for h in hosts if h["status"] == "failed"),
        "passing": sum(1 for h in hosts if h["result"] == "pass"),
        "findings": {sev: sum(h["counts"][sev] for h in hosts) for sev in SEVERITIES},
        "blocking": sum(h["blocking"] for h in hosts),
    }
    return {
        "generated": text(generated),
        "tool": {"name": TOOL_NAME, "version": text(tool_version), "uri": TOOL_URI},
        "profile": profile,
        "audit_fail_on": fail_on,
        "result": "pass" if summary["passing"] == summary["hosts"] else "fail",
        "summary": summary,
        "checks": [{"id": fid, "title": rule_text(fid)[0], "help": rule_text(fid)[1]} for fid in check_ids(findings)],
        "hosts": hosts,
        "findings": findings,
    }


def groups(host, findings):
    """A host's findings grouped by listener: ``[(label, listener or None, [findings])]``.

    Every non-loopback listener gets a group (possibly empty), in master.cf order; then
    the other places findings name (``outbound``, ``main.cf``, certificates shared by
    several listeners), in order seen.
    """
    mine = [f for f in findings if f["host"] == host["name"]]
    out = []
    seen = set()
    for lst in host["listeners"]:
        if lst["loopback"] or lst["service"] in seen:
            continue
        seen.add(lst["service"])
        where = (lst["address"] + ":" if lst["address"] else "") + (str(lst["port"]) if lst["port"] else "")
        label = "%s (port %s)" % (lst["service"], where) if where else lst["service"]
        out.append((label, lst, [f for f in mine if f["service"] == lst["service"]]))
    for finding in mine:
        if finding["service"] in seen:
            continue
        seen.add(finding["service"])
        out.append((finding["service"], None, [f for f in mine if f["service"] == finding["service"]]))
    return out
