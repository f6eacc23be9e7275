# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Catalogue of TLS/SASL findings over a ``postfix_info`` result.

Pure: ``findings(info, profile)`` returns a list of
``{id, severity, service, message, fix}``. Ids are stable (tests, users and
the role's assertions rely on them). ``message`` says why in Postfix terms,
``fix`` names the parameter, where to set it (main.cf or the master.cf
service) and the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

PROFILES = ("interop", "intermediate", "modern")
SEVERITIES = ("high", "medium", "low", "info")
# What an audit may fail on: a severity (that one and the more severe), or never.
FAIL_ON = (*SEVERITIES, "never")


def severity_rank(severity):
    """0 for high ... 3 for info; unknown severities sort last. The one severity order of the collection."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def is_blocking(severity, fail_on):
    """Whether a finding of ``severity`` fails an audit run with ``fail_on`` (the role's and the playbook's rule)."""
    if fail_on not in FAIL_ON:
        raise ValueError("fail_on must be one of %s, got %r" % (", ".join(FAIL_ON), fail_on))
    return fail_on != "never" and severity_rank(severity) <= severity_rank(fail_on)


WEAK_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
UNAUTH_DESTINATION = ("reject_unauth_destination", "defer_unauth_destination")

FINDING_IDS = (
    "auth_on_public_smtp",
    "auth_without_tls",
    "sasl_anonymous_allowed",
    "submission_tls_optional",
    "weak_protocols_mandatory",
    "weak_protocols_opportunistic",
    "anonymous_ciphers",
    "mandatory_settings_ignored",
    "deprecated_parameter",
    "no_starttls",
    "cert_name_mismatch",
    "cert_self_signed",
    "cert_expiring",
    "cert_key_mismatch",
    "cert_unreadable",
    "weak_key",
    "open_relay_risk",
    "vrfy_enabled",
    "tls12_on_modern_submission",
    "outbound_tls_disabled",
    "dane_without_dnssec",
    "outbound_mandatory_weak_protocols",
    "sasl_socket_unreachable",
    "dane_without_validating_resolver",
    "key_exchange_groups_excluded",
    "relay_auth_without_mandatory_tls",
    "relay_sasl_anonymous_allowed",
    "relay_password_map_readable",
    "submission_without_sender_binding",
)

# Key-exchange groups every profile allows (Mozilla's intermediate and modern lists, plus the
# hybrid post-quantum X25519MLKEM768), by the lower-case OpenSSL names and their aliases.
# The role writes a subset of these (plugins/plugin_utils/_baseline.py, checked by a
# unit test); FFDHE groups stay at Postfix's default of ffdhe2048 and ffdhe3072.
ALLOWED_EC_GROUPS = ("x25519mlkem768", "x25519", "prime256v1", "secp384r1")
ALLOWED_FFDHE_GROUPS = ("ffdhe2048", "ffdhe3072")
GROUP_ALIASES = {"p-256": "prime256v1", "secp256r1": "prime256v1", "p-384": "secp384r1", "p-521": "secp521r1"}
# OpenSSL's spelling, for messages and fixes (Postfix before 3.10 matches names case-sensitively).
GROUP_SPELLING = {"x25519mlkem768": "X25519MLKEM768", "x25519": "X25519", "x448": "X448"}
# smtp_tls_security_level values (global or per destination) at which the *_mandatory_* settings apply.
OUTBOUND_MANDATORY_LEVELS = ("encrypt", "dane", "dane-only", "fingerprint", "verify", "secure")
# TLS levels (smtp_tls_security_level or a policy-table entry) at which the relay credentials may
# leave in plaintext, and why. encrypt, secure, verify, fingerprint and dane-only never talk to the
# relay without TLS; "dane" is here: without usable TLSA records it is "may". Any other word is no
# level Postfix knows, and the smtp client then defers the mail instead of sending it.
RELAY_OPTIONAL_LEVELS = {
    "none": "the client never issues STARTTLS there",
    "may": "STARTTLS is used only when the relay offers it, and a man in the middle can strip that offer",
    "dane": "without DNSSEC-signed TLSA records for the relay, 'dane' means 'may': TLS stays optional and the "
    "certificate unchecked",
}
# Map types that postmap builds (the fix for a table entry then includes running postmap).
BUILT_MAP_TYPES = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm")
# Restrictions that tie the envelope sender to the SASL login (smtpd_sender_login_maps).
SENDER_BINDING = ("reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch")
# The restriction lists smtpd evaluates per message, and the listener keys holding them.
SENDER_BINDING_LISTS = (
    ("smtpd_sender_restrictions", "sender_restrictions"),
    ("smtpd_recipient_restrictions", "recipient_restrictions"),
    ("smtpd_relay_restrictions", "relay_restrictions"),
    ("smtpd_client_restrictions", "client_restrictions"),
    ("smtpd_helo_restrictions", "helo_restrictions"),
)
# systemd-resolved's stub listener: it sets the AD bit only with DNSSEC=yes (Debian's default is no).
RESOLVED_STUB = "127.0.0.53"


def _version_tuple(version):
    parts = []
    for part in str(version or "").split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def protocol_floor(info, minimum="TLSv1.2"):
    """``>=TLSv1.2`` on Postfix 3.6+, the exclusion list on older versions."""
    version = _version_tuple(info.get("version"))
    if version and version < (3, 6):
        excluded = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"]
        if minimum == "TLSv1.3":
            excluded.append("TLSv1.2")
        return ", ".join("!" + name for name in excluded)
    return ">=" + minimum


def _finding(fid, severity, service, message, fix):
    return {"id": fid, "severity": severity, "service": service, "message": message, "fix": fix}


def _label(listener):
    port = listener.get("port")
    name = listener.get("service")
    return "%s (port %s)" % (name, port) if port else name


def _where(listener, param):
    """Where a fix for ``param`` belongs: the service if it overrides it there."""
    if (listener.get("origins") or {}).get(param) == "master.cf" or param in (listener.get("overrides") or {}):
        return "master.cf service %s: -o %s=" % (listener.get("settings_service") or listener.get("service"), param)
    return "main.cf: %s = " % param


def _set(listener, param, value):
    return _where(listener, param) + value


def _is_public_smtp(listener):
    return listener.get("port") == 25


def _weak(enabled):
    return [p for p in enabled or [] if p in WEAK_PROTOCOLS]


def _relay_safe(restrictions):
    """A restriction list that stops unauthenticated relaying on its own."""
    for item in restrictions or []:
        if item in UNAUTH_DESTINATION or item in ("reject", "defer"):
            return True
        if item == "permit":
            return False
    return False


# ---------------------------------------------------------------- per listener


def _auth_findings(lst):
    out = []
    name = lst["service"]
    if not lst.get("sasl_enabled"):
        return out
    if _is_public_smtp(lst):
        out.append(
            _finding(
                "auth_on_public_smtp",
                "high",
                name,
                "SASL AUTH is offered on %s, the server-to-server MX port. smtpd_sasl_auth_enable in main.cf applies "
                "to "
                "every smtpd service; AUTH on port 25 invites password guessing and mixes MUA submission with MX "
                "traffic." % _label(lst),
                "%s; enable AUTH only in the submission/submissions services (master.cf: -o smtpd_sasl_auth_enable=yes)"
                % _set(lst, "smtpd_sasl_auth_enable", "no"),
            )
        )
    if not lst.get("tls_auth_only") and not lst.get("tls_mandatory"):
        out.append(
            _finding(
                "auth_without_tls",
                "high",
                name,
                "%s advertises AUTH before STARTTLS: smtpd_tls_auth_only = no and smtpd_tls_security_level = %s (not "
                "encrypt, "
                "no wrapper mode), so passwords can cross the network in plaintext."
                % (_label(lst), lst.get("security_level")),
                "main.cf: smtpd_tls_auth_only = yes (and for submission: master.cf service %s: -o "
                "smtpd_tls_security_level=encrypt)" % name,
            )
        )
    plain_opts = lst.get("sasl_security_options") or []
    tls_opts = lst.get("sasl_tls_security_options") or []
    missing = []
    if "noanonymous" not in plain_opts:
        missing.append("smtpd_sasl_security_options")
    if "noanonymous" not in tls_opts:
        missing.append("smtpd_sasl_tls_security_options")
    if missing:
        # The plain set only matters where AUTH is offered before TLS.
        plain_reachable = not lst.get("tls_auth_only") and not lst.get("tls_mandatory")
        in_force = "smtpd_sasl_tls_security_options" in missing or plain_reachable
        out.append(
            _finding(
                "sasl_anonymous_allowed",
                "high" if in_force else "low",
                name,
                "%s lacks noanonymous on %s (%s = %s; %s = %s). These are lists: setting e.g. 'noplaintext' replaces "
                "the "
                "default 'noanonymous', and smtpd_sasl_tls_security_options inherits $smtpd_sasl_security_options, "
                "so anonymous SASL mechanisms become acceptable."
                % (
                    " and ".join(missing),
                    _label(lst),
                    "smtpd_sasl_security_options",
                    ", ".join(plain_opts) or "(empty)",
                    "smtpd_sasl_tls_security_options",
                    ", ".join(tls_opts) or "(empty)",
                ),
                "%s; %s"
                % (
                    _set(lst, "smtpd_sasl_security_options", "noanonymous, noplaintext"),
                    _set(lst, "smtpd_sasl_tls_security_options", "noanonymous"),
                ),
            )
        )
    if not _is_public_smtp(lst) and not lst.get("tls_mandatory"):
        out.append(
            _finding(
                "submission_tls_optional",
                "medium",
                name,
                "%s offers AUTH but does not require TLS (smtpd_tls_security_level = %s, no wrapper mode): clients may "
                "submit mail in plaintext, and a MITM can strip STARTTLS." % (_label(lst), lst.get("security_level")),
                "master.cf service %s: -o smtpd_tls_security_level=encrypt (port 465: -o smtpd_tls_wrappermode=yes)"
                % name,
            )
        )
    return out


def _protocol_findings(lst, info, profile):
    out = []
    name = lst["service"]
    weak = _weak(lst.get("protocols_enabled"))
    if lst.get("tls_mode") == "none" or not weak:
        return out
    if lst.get("tls_mandatory"):
        floor = protocol_floor(info, "TLSv1.3" if profile == "modern" else "TLSv1.2")
        out.append(
            _finding(
                "weak_protocols_mandatory",
                "high",
                name,
                "%s enforces TLS (%s), so Postfix uses %s = %s, which still allows %s. '!SSLv2, !SSLv3' excludes "
                "only SSL; "
                "TLS 1.0/1.1 stay enabled."
                % (
                    _label(lst),
                    "wrapper mode" if lst.get("tls_mode") == "wrapper" else "level encrypt",
                    lst.get("protocols_param"),
                    lst.get("protocols"),
                    ", ".join(weak),
                ),
                _set(lst, lst.get("protocols_param") or "smtpd_tls_mandatory_protocols", floor),
            )
        )
    else:
        severity = "info" if profile == "interop" else "medium"
        out.append(
            _finding(
                "weak_protocols_opportunistic",
                severity,
                name,
                "%s uses opportunistic TLS (level %s), so Postfix applies %s = %s, which allows %s. Peers that "
                "cannot do "
                "better fall back to plaintext if refused, which the interop profile accepts."
                % (
                    _label(lst),
                    lst.get("security_level"),
                    lst.get("protocols_param"),
                    lst.get("protocols"),
                    ", ".join(weak),
                ),
                _set(lst, lst.get("protocols_param") or "smtpd_tls_protocols", protocol_floor(info)),
            )
        )
    return out


def _cipher_findings(lst):
    if lst.get("tls_mode") == "none" or lst.get("anonymous_ciphers_excluded", True):
        return []
    mandatory = lst.get("tls_mandatory")
    return [
        _finding(
            "anonymous_ciphers",
            "high" if mandatory else "medium",
            lst["service"],
            "%s offers anonymous (aNULL) cipher suites: the cipher grade in force (%s = %s) starts with 'aNULL:-aNULL' "
            "by design, and 'high' does not remove them. Only %s removes aNULL (currently: %s). Clients that accept "
            "them get no server authentication (MITM)."
            % (
                _label(lst),
                lst.get("ciphers_param"),
                lst.get("ciphers"),
                " / ".join(lst.get("exclude_params") or []),
                ", ".join(lst.get("exclude_ciphers") or []) or "nothing excluded",
            ),
            _set(lst, "smtpd_tls_exclude_ciphers", "aNULL, eNULL")
            + " (applies at every security level, also to postscreen/tlsproxy)",
        )
    ]


def _mandatory_ignored_listener(lst, info):
    ignored = lst.get("mandatory_settings_ignored") or {}
    if not ignored or lst.get("tls_mandatory"):
        return []
    settings = ", ".join("%s = %s" % (k, v) for k, v in sorted(ignored.items()))
    level = lst.get("security_level")
    return [
        _finding(
            "mandatory_settings_ignored",
            "medium",
            lst["service"],
            "On %s (smtpd_tls_security_level = %s) the *_mandatory_* settings do nothing: at "
            "smtpd_tls_security_level=%s "
            "Postfix uses smtpd_tls_protocols, not smtpd_tls_mandatory_protocols (and smtpd_tls_ciphers, not "
            "smtpd_tls_mandatory_ciphers); the mandatory ones apply only at level encrypt or in wrapper mode. "
            "Ignored here, while the opportunistic parameters that do apply are left at their defaults: %s."
            % (_label(lst), level, level, settings),
            "%s; %s"
            % (
                _set(lst, "smtpd_tls_protocols", protocol_floor(info)),
                _set(lst, "smtpd_tls_exclude_ciphers", "aNULL, eNULL"),
            ),
        )
    ]


def _no_starttls(lst):
    if not _is_public_smtp(lst):
        return []
    if lst.get("tls_mode") != "none" and lst.get("has_certificate"):
        return []
    if lst.get("tls_mode") == "none":
        why = "smtpd_tls_security_level = %s (from %s)" % (lst.get("security_level"), lst.get("security_level_source"))
    else:
        why = "no certificate is configured (smtpd_tls_chain_files / smtpd_tls_cert_file empty), so smtpd disables TLS"
    return [
        _finding(
            "no_starttls",
            "medium",
            lst["service"],
            "%s does not offer STARTTLS: %s. Mail from other servers travels in plaintext." % (_label(lst), why),
            "%s; main.cf: smtpd_tls_chain_files = /path/key.pem, /path/fullchain.pem"
            % _set(lst, "smtpd_tls_security_level", "may"),
        )
    ]


def _open_relay(lst):
    if _relay_safe(lst.get("client_restrictions")) and "permit" not in (lst.get("client_restrictions") or []):
        # e.g. "permit_sasl_authenticated, reject": unauthenticated clients never get to RCPT
        return []
    if _relay_safe(lst.get("relay_restrictions")) or _relay_safe(lst.get("recipient_restrictions")):
        return []
    return [
        _finding(
            "open_relay_risk",
            "high",
            lst["service"],
            "%s: neither smtpd_relay_restrictions (%s) nor smtpd_recipient_restrictions (%s) ends "
            "unauthenticated relaying "
            "with reject_unauth_destination/defer_unauth_destination (or a final reject)."
            % (
                _label(lst),
                ", ".join(lst.get("relay_restrictions") or []) or "empty",
                ", ".join(lst.get("recipient_restrictions") or []) or "empty",
            ),
            _set(
                lst,
                "smtpd_relay_restrictions",
                "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
            ),
        )
    ]


# ---------------------------------------------------------------- certificates


def _cert_findings(cert, listeners_by_name, profile):
    out = []
    path = cert.get("path")
    consumers = cert.get("used_by") or []
    if cert.get("error"):
        for service in consumers:
            out.append(
                _finding(
                    "cert_unreadable",
                    "medium",
                    service,
                    "certificate %s could not be inspected: %s" % (path, cert["error"]),
                    "check %s (%s): the file must exist and be a PEM certificate readable by root"
                    % (", ".join(cert.get("params") or []), path),
                )
            )
        return out
    for service in consumers:
        lst = listeners_by_name.get(service)
        if lst is None or lst.get("loopback"):
            continue
        public = _is_public_smtp(lst)
        label = _label(lst)
        if cert.get("covers_hostname") is False:
            names = ", ".join(cert.get("sans") or []) or cert.get("common_name") or "(none)"
            out.append(
                # medium everywhere: a name mismatch is reported, never a reason to replace an
                # operator's certificate or to stop a hardening run (issue: auto mode keeps it)
                _finding(
                    "cert_name_mismatch",
                    "medium",
                    service,
                    "certificate %s for %s names %s but myhostname is %s. A wildcard covers exactly one "
                    "label (*.example.com covers mx.example.com, not example.com); verifying peers (MTA-STS, "
                    "'secure' policies, mail clients) reject the name." % (path, label, names, cert.get("hostname")),
                    "issue a certificate whose subjectAltName includes %s (the MX/submission host name) and set "
                    "main.cf: smtpd_tls_chain_files = <key>, <fullchain>; or set main.cf: myhostname = a name the "
                    "certificate covers" % cert.get("hostname"),
                )
            )
        if cert.get("self_signed"):
            out.append(
                _finding(
                    "cert_self_signed",
                    "info" if public else "medium",
                    service,
                    "certificate %s for %s is self-signed (issuer = subject %s). Opportunistic SMTP peers accept "
                    "it, but MTA-STS and clients that verify cannot; give known clients a private CA or use a public "
                    "CA." % (path, label, cert.get("subject")),
                    "main.cf: smtpd_tls_chain_files = <key>, <leaf + intermediates from a public (ACME) or private CA>",
                )
            )
        if cert.get("key_matches") is False:
            out.append(
                _finding(
                    "cert_key_mismatch",
                    "high",
                    service,
                    "the private key %s does not belong to certificate %s: the TLS handshake fails for %s."
                    % (cert.get("key_path"), path, label),
                    "point %s and its key parameter at the matching pair (or use smtpd_tls_chain_files = key, cert)"
                    % ", ".join(cert.get("params") or []),
                )
            )
    service = ", ".join(consumers)
    days = cert.get("days_left")
    if days is not None and days < 30:
        expired = cert.get("expired") or days < 0
        out.append(
            _finding(
                "cert_expiring",
                "high" if expired or days < 7 else "medium",
                service,
                "certificate %s %s (not after %s)."
                % (path, "has expired" if expired else "expires in %d days" % days, cert.get("not_after")),
                "renew %s and reload Postfix (%s)" % (path, ", ".join(cert.get("params") or [])),
            )
        )
    bits = cert.get("key_bits") or 0
    key_type = cert.get("key_type")
    severity = None
    if key_type == "RSA" and bits < 2048:
        severity = "high"
    elif key_type == "RSA" and bits < 3072 and profile == "modern":
        severity = "low"
    elif key_type == "EC" and bits and bits < 256:
        severity = "high"
    if severity:
        out.append(
            _finding(
                "weak_key",
                severity,
                service,
                "certificate %s uses a %s-%d key; %s."
                % (
                    path,
                    key_type,
                    bits,
                    "below 2048 bits is breakable"
                    if severity == "high"
                    else "the modern profile asks for RSA >= 3072 or ECDSA P-256",
                ),
                "main.cf: smtpd_tls_chain_files = <ECDSA P-256 key>, <cert>, <RSA-3072 key>, <cert>",
            )
        )
    return out


# ---------------------------------------------------------------- outbound and global


def _outbound_findings(outbound, info):
    out = []
    ignored = outbound.get("mandatory_settings_ignored") or {}
    if ignored and not outbound.get("tls_mandatory"):
        level = outbound.get("security_level")
        settings = ", ".join("%s = %s" % (k, v) for k, v in sorted(ignored.items()))
        policy = outbound.get("policy_maps")
        out.append(
            _finding(
                "mandatory_settings_ignored",
                "low" if policy else "medium",
                "outbound",
                "The smtp client runs at smtp_tls_security_level = %s: Postfix uses smtp_tls_protocols and "
                "smtp_tls_ciphers "
                "there, not smtp_tls_mandatory_protocols/ciphers; the mandatory ones apply only at encrypt or higher "
                "(globally or per destination in smtp_tls_policy_maps%s). Ignored here: %s."
                % (level, ", which is set: %s" % policy if policy else "", settings),
                "main.cf: smtp_tls_protocols = %s (opportunistic); for known peers add smtp_tls_policy_maps entries "
                "with 'encrypt' or 'secure'" % protocol_floor(info),
            )
        )
    return out


def _deprecated_findings(info):
    out = []
    for entry in info.get("deprecated") or []:
        param = entry.get("parameter")
        where = entry.get("service") or "main.cf"
        replacement = entry.get("replacement")
        if where == "main.cf":
            fix = "main.cf: remove %s" % param
        else:
            fix = "master.cf service %s: remove -o %s" % (where, param)
        if replacement:
            fix += " (%s governs)" % replacement
        out.append(
            _finding(
                "deprecated_parameter",
                "low",
                where,
                "%s = %s is obsolete%s; postconf warns about such parameters from Postfix 3.9 on, and the value can "
                "mislead "
                "readers about what is in force."
                % (param, entry.get("value"), ": %s overrides it" % replacement if replacement else ""),
                fix,
            )
        )
    return out


def _vrfy(info):
    if info.get("disable_vrfy_command"):
        return []
    return [
        _finding(
            "vrfy_enabled",
            "low",
            "main.cf",
            "disable_vrfy_command = no: the VRFY command lets anyone probe which addresses exist (address harvesting).",
            "main.cf: disable_vrfy_command = yes",
        )
    ]


def _modern_tls12(lst, info, profile):
    """Under modern, 587/465 are TLS 1.3 only; TLS 1.0/1.1 there is weak_protocols_mandatory's job."""
    enabled = lst.get("protocols_enabled") or []
    if profile != "modern" or not lst.get("tls_mandatory") or _is_public_smtp(lst):
        return []
    if "TLSv1.2" not in enabled or _weak(enabled):
        return []
    return [
        _finding(
            "tls12_on_modern_submission",
            "low",
            lst["service"],
            "%s enforces TLS, so Postfix uses %s = %s, which allows TLS 1.2; the modern profile asks for TLS 1.3 "
            "only on the submission listeners (every current mail client speaks it)."
            % (_label(lst), lst.get("protocols_param"), lst.get("protocols")),
            _set(lst, lst.get("protocols_param") or "smtpd_tls_mandatory_protocols", protocol_floor(info, "TLSv1.3")),
        )
    ]


def _outbound_set(outbound, param, value):
    if param in (outbound.get("overrides") or {}):
        return "master.cf service smtp/unix: -o %s=%s" % (param, value)
    return "main.cf: %s = %s" % (param, value)


def _outbound_plaintext(outbound):
    if outbound.get("security_level") != "none":
        return []
    policy = outbound.get("policy_maps")
    return [
        _finding(
            "outbound_tls_disabled",
            "medium",
            "outbound",
            "The smtp client runs at smtp_tls_security_level = none (decided by %s): it never issues STARTTLS, so "
            "mail to servers that offer TLS leaves in plaintext%s."
            % (
                outbound.get("security_level_source") or "smtp_tls_security_level",
                " (except destinations with their own level in smtp_tls_policy_maps = %s)" % policy if policy else "",
            ),
            _outbound_set(outbound, "smtp_tls_security_level", "may")
            + " (or dane, with smtp_dns_support_level = dnssec and a validating resolver on loopback)",
        )
    ]


def _dane_dnssec(outbound):
    level = outbound.get("security_level")
    if level not in ("dane", "dane-only") or outbound.get("dns_support_level", "dnssec") == "dnssec":
        return []
    effect = (
        "every destination is invalid, so all outbound mail is deferred"
        if level == "dane-only"
        else "Postfix downgrades every destination to 'may': TLSA records are never looked up"
    )
    return [
        _finding(
            "dane_without_dnssec",
            "high" if level == "dane-only" else "medium",
            "outbound",
            "smtp_tls_security_level = %s, but smtp_dns_support_level = %s: DANE needs DNSSEC lookups, and without "
            "them %s (Postfix logs '%s configured with dnssec lookups disabled')."
            % (level, outbound.get("dns_support_level") or "(empty)", effect, level),
            _outbound_set(outbound, "smtp_dns_support_level", "dnssec")
            + " (with a DNSSEC-validating resolver on loopback in resolv.conf)",
        )
    ]


def _is_loopback_address(address):
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _dane_resolver(outbound, info):
    """DANE trusts the AD bit of the resolver; only a validating resolver on this host is trustworthy."""
    resolver = info.get("resolver")
    level = outbound.get("security_level")
    if level not in ("dane", "dane-only") or not resolver or resolver.get("error"):
        return []
    servers = resolver.get("nameservers") or []
    remote = [ns for ns in servers if not _is_loopback_address(ns)]
    stub = [ns for ns in servers if ns == RESOLVED_STUB]
    if remote:
        severity, why = (
            "medium",
            "names the resolver(s) %s, which are not on this host: Postfix believes the AD (authenticated data) "
            "bit in their answers, which crossed the network unprotected, or was never set because they do not "
            "validate" % ", ".join(remote),
        )
    elif stub:
        severity, why = (
            "low",
            "names %s, the stub of systemd-resolved, which sets the AD bit only when resolved.conf says "
            "DNSSEC=yes (Debian's default is no), so TLSA records would count as unsigned" % RESOLVED_STUB,
        )
    else:
        return []
    return [
        _finding(
            "dane_without_validating_resolver",
            severity,
            "outbound",
            "smtp_tls_security_level = %s, and %s (the resolv.conf the smtp client reads) %s."
            % (level, resolver["path"], why),
            "run a DNSSEC-validating resolver on this host (e.g. unbound) and put only 'nameserver 127.0.0.1' in "
            "/etc/resolv.conf (Debian copies it into the Postfix chroot when Postfix starts)",
        )
    ]


def _outbound_mandatory_weak(outbound, info):
    level = outbound.get("security_level")
    policy = outbound.get("policy_maps")
    uses_mandatory = outbound.get("tls_mandatory") or level in OUTBOUND_MANDATORY_LEVELS or bool(policy)
    weak = _weak(outbound.get("mandatory_protocols_enabled"))
    if not uses_mandatory or not weak:
        return []
    if level in OUTBOUND_MANDATORY_LEVELS and level != "dane":
        where = "every destination (smtp_tls_security_level = %s)" % level
    else:
        where = "destinations with a mandatory level (%s)" % " and ".join(
            ([("TLSA records under smtp_tls_security_level = dane")] if level == "dane" else [])
            + (["encrypt/verify/secure entries in smtp_tls_policy_maps = %s" % policy] if policy else [])
        )
    return [
        _finding(
            "outbound_mandatory_weak_protocols",
            "medium",
            "outbound",
            "Mandatory outbound TLS for %s uses smtp_tls_mandatory_protocols = %s, which still allows %s: a peer "
            "that TLS is required for may still negotiate it."
            % (where, outbound.get("mandatory_protocols") or "(default)", ", ".join(weak)),
            _outbound_set(outbound, "smtp_tls_mandatory_protocols", protocol_floor(info)),
        )
    ]


def _sasl_sockets(info):
    out = []
    for sock in info.get("sasl_sockets") or []:
        if sock.get("reachable") is not False:
            continue
        services = ", ".join(sock.get("services") or [])
        out.append(
            _finding(
                "sasl_socket_unreachable",
                "high",
                services,
                "AUTH on %s goes to the %s SASL socket %s, and nothing accepts connections there: smtpd cannot "
                "list AUTH mechanisms ('fatal: no SASL authentication mechanisms') and drops the client, so no "
                "one can submit mail." % (services, sock.get("type") or "dovecot", sock.get("path")),
                "start Dovecot (systemctl start dovecot) and give its auth service a unix_listener at %s "
                "(mode 0660, user and group postfix), the path smtpd_sasl_path names" % sock.get("path"),
            )
        )
    return out


# ---------------------------------------------------------------- relayhost and sender binding


def _map_type(info):
    """The table type to suggest: lmdb where this Postfix has it (postconf -m), else hash."""
    return "lmdb" if "lmdb" in (info.get("map_types") or []) else "hash"


def _config_dir(info):
    return (info.get("config_dir") or "/etc/postfix").rstrip("/") or "/etc/postfix"


def _relay_postconf(relay, param, value):
    """The postconf command that sets an smtp client parameter where it is in force."""
    if (relay.get("origins") or {}).get(param) == "master.cf":
        return "postconf -P 'smtp/unix/%s=%s'" % (param, value)
    return "postconf -e '%s = %s'" % (param, value)


def _table_type(spec):
    """``hash`` of ``hash:/etc/postfix/tls_policy`` (``proxy`` for a proxied table: nothing to build here)."""
    return (spec or "").split(":", 1)[0].lower()


def _relay_tls(dest, relay, info):
    level = dest.get("tls_level")
    if level not in RELAY_OPTIONAL_LEVELS:
        # mandatory, unknown (the table was not consulted) or no level at all (Postfix defers)
        return []
    nexthop = dest.get("nexthop")
    entry = "%s encrypt" % nexthop
    if dest.get("tls_level_source") == "smtp_tls_policy_maps":
        table = (dest.get("policy") or [{}])[-1].get("map") or "smtp_tls_policy_maps"
        decided = "the entry '%s %s' in the TLS policy table %s" % (nexthop, level, table)
        fix = "change that entry in %s to '%s' (or '%s secure' to verify the relay's certificate too)" % (
            table,
            entry,
            nexthop,
        )
    else:
        maps = relay.get("policy_maps") or []
        source = dest.get("tls_level_source") or "smtp_tls_security_level"
        decided = "smtp_tls_security_level = %s%s, since %s" % (
            level,
            "" if source == "smtp_tls_security_level" else " (from %s)" % source,
            "smtp_tls_policy_maps (%s) has no entry for it" % ", ".join(maps)
            if maps
            else "smtp_tls_policy_maps is not set",
        )
        if maps:
            table = maps[0]
            fix = "add the line '%s' (or '%s secure' to verify the relay's certificate too) to %s" % (
                entry,
                nexthop,
                table,
            )
        else:
            table = "%s:%s/tls_policy" % (_map_type(info), _config_dir(info))
            fix = "%s; echo '%s' >> %s/tls_policy" % (
                _relay_postconf(relay, "smtp_tls_policy_maps", table),
                entry,
                _config_dir(info),
            )
    if _table_type(table) in BUILT_MAP_TYPES:
        fix += "; postmap %s" % table
    fix += "; postfix reload (mandatory TLS for the relay only: smtp_tls_security_level stays as it is for other "
    fix += "destinations)"
    return [
        _finding(
            "relay_auth_without_mandatory_tls",
            "high",
            "outbound",
            "The smtp client logs in to the relayhost %s (smtp_sasl_auth_enable = yes), but the TLS level for that "
            "next hop is '%s', decided by %s: %s, so the relay login and password can cross the network in "
            "plaintext." % (nexthop, level, decided, RELAY_OPTIONAL_LEVELS[level]),
            fix,
        )
    ]


def _relay_anonymous(relay):
    plain = relay.get("sasl_security_options") or []
    tls = relay.get("sasl_tls_security_options") or []
    missing = [
        param
        for param, options in (("smtp_sasl_security_options", plain), ("smtp_sasl_tls_security_options", tls))
        if "noanonymous" not in options
    ]
    if not missing:
        return []
    relayhost = relay.get("relayhost")
    target = (
        "the relayhost %s" % relayhost
        if relayhost
        else "any server for which smtp_sasl_password_maps has an entry (no relayhost is set)"
    )
    fixes = []
    if "smtp_sasl_security_options" in missing:
        fixes.append(_relay_postconf(relay, "smtp_sasl_security_options", "noplaintext, noanonymous"))
    if "smtp_sasl_tls_security_options" in missing:
        fixes.append(_relay_postconf(relay, "smtp_sasl_tls_security_options", "noanonymous"))
    return [
        _finding(
            "relay_sasl_anonymous_allowed",
            "medium",
            "outbound",
            "The smtp client authenticates to %s, and %s lacks noanonymous (smtp_sasl_security_options = %s; "
            "smtp_sasl_tls_security_options = %s, the set used once TLS is up, which inherits "
            "$smtp_sasl_security_options by default). These lists replace Postfix's default 'noplaintext, "
            "noanonymous', so the client accepts an anonymous SASL mechanism when the server, or a man in the middle "
            "rewriting its EHLO reply, offers one, and the mail leaves without the relay account's authentication."
            % (target, " and ".join(missing), ", ".join(plain) or "(empty)", ", ".join(tls) or "(empty)"),
            "; ".join(fixes) + "; postfix reload",
        )
    ]


def _mode_bits(mode):
    try:
        return int(mode or "0", 8)
    except (TypeError, ValueError):
        return 0


_FILE_ROLES = {
    "source": "the source file of",
    "map": "the database postmap built for",
    "table": "the table file of",
    "config": "the client configuration (with its database password) of",
}


def _password_map_files(relay):
    out = []
    for table in relay.get("password_maps") or []:
        for item in table.get("files") or []:
            if not item.get("exists") or item.get("regular") is False:
                continue  # a missing file is Postfix's error to report, not a leak
            uid = item.get("uid")
            foreign = uid != 0 if uid is not None else item.get("owner") not in (None, "root")
            problems = []
            if item.get("readable_by_others") or _mode_bits(item.get("mode")) & 0o044:
                problems.append(
                    "its mode %s lets %s read it"
                    % (
                        item.get("mode"),
                        "every local user" if _mode_bits(item.get("mode")) & 0o004 else "group %s" % item.get("group"),
                    )
                )
            if foreign:
                problems.append(
                    "it belongs to %s, not root, so that account can read and replace it" % item.get("owner")
                )
            if not problems:
                continue
            out.append(
                _finding(
                    "relay_password_map_readable",
                    "high",
                    "outbound",
                    "%s, %s %s (smtp_sasl_password_maps), holds the relay login and password in clear text, but "
                    "%s."
                    % (
                        item.get("path"),
                        _FILE_ROLES.get(item.get("role"), "a file of"),
                        table.get("map"),
                        " and ".join(problems),
                    ),
                    "chown root:root %s && chmod 0600 %s (Postfix opens the table before it enters the chroot and "
                    "drops privileges, so root alone needs to read it)" % (item.get("path"), item.get("path")),
                )
            )
    return out


def _relay_findings(info):
    relay = info.get("relay")
    if not relay:
        return []  # an older postfix_info result: nothing to judge
    out = []
    if relay.get("sasl_auth_enable"):
        # without a relayhost the destinations are unknown: no TLS judgement then
        for dest in relay.get("destinations") or []:
            out.extend(_relay_tls(dest, relay, info))
        out.extend(_relay_anonymous(relay))
    out.extend(_password_map_files(relay))
    return out


def _binds_sender(restrictions):
    """Whether a list applies a sender/login check to authenticated clients (before a permit ends it)."""
    for item in restrictions or []:
        if item in SENDER_BINDING:
            return True
        if item in ("permit", "permit_sasl_authenticated"):
            return False
    return False


def _sender_binding(lst, info, profile):
    if not lst.get("sasl_enabled") or _is_public_smtp(lst) or "sender_login_maps" not in lst:
        # port 25 with AUTH is auth_on_public_smtp; no sender_login_maps key: an older postfix_info result
        return []
    maps = lst.get("sender_login_maps") or ""
    enforced = [param for param, key in SENDER_BINDING_LISTS if _binds_sender(lst.get(key))]
    if maps and enforced:
        return []
    table = "%s:%s/sender_logins" % (_map_type(info), _config_dir(info))
    if not maps and not enforced:
        why = (
            "smtpd_sender_login_maps is empty and no restriction list applies reject_sender_login_mismatch "
            "(or reject_authenticated_sender_login_mismatch)"
        )
    elif not maps:
        why = (
            "%s applies a sender login check, but smtpd_sender_login_maps is empty: there is no table of which login "
            "owns which address to check against" % " and ".join(enforced)
        )
    else:
        why = (
            "smtpd_sender_login_maps = %s says which login owns which address, but none of %s applies "
            "reject_sender_login_mismatch (or reject_authenticated_sender_login_mismatch) before a permit ends "
            "the list, so the table is never enforced"
            % (maps, ", ".join(param for param, _key in SENDER_BINDING_LISTS))
        )
    options = []
    if not maps:
        options.append("-o smtpd_sender_login_maps=%s" % table)
    if not enforced:
        options.append(
            "-o smtpd_sender_restrictions=%s"
            % ",".join(["reject_sender_login_mismatch", *(lst.get("sender_restrictions") or [])])
        )
    fix = "master.cf service %s: %s" % (lst.get("settings_service") or "%s/inet" % lst["service"], " ".join(options))
    if not maps:
        fix += (
            " (one line per address or @domain with the login(s) that may use it, e.g. 'alice@example.com alice'; "
            "then postmap %s)" % table
        )
    return [
        _finding(
            "submission_without_sender_binding",
            "low" if profile == "modern" else "info",
            lst["service"],
            "%s offers AUTH but does not tie the envelope sender to the login: %s. Any authenticated user, or "
            "anyone with one stolen password, can send as any address, another user's or another domain's."
            % (_label(lst), why),
            fix,
        )
    ]


def group_names(value):
    """Group names of a tls_eecdh_auto_curves/tls_ffdhe_auto_groups value, lower case, aliases resolved.

    OpenSSL 3.5's markers ('*' key share, '?' ignore if unknown) are dropped; '/' (tuple
    separators) and '-name' (removals) are not group names.
    """
    names = []
    for token in (value or "").replace(",", " ").replace(":", " ").split():
        name = token.lstrip("*?").lower()
        if not name or name == "/" or name.startswith("-"):
            continue
        names.append(GROUP_ALIASES.get(name, name))
    return names


def _group_findings(info, profile):
    exchange = info.get("key_exchange") or {}
    ec_value = exchange.get("tls_eecdh_auto_curves")
    ffdhe_value = exchange.get("tls_ffdhe_auto_groups")
    if ec_value is None:
        return []
    excluded = [g for g in group_names(ec_value) if g not in ALLOWED_EC_GROUPS]
    excluded += [g for g in group_names(ffdhe_value) if g not in ALLOWED_FFDHE_GROUPS]
    if not excluded:
        return []
    allowed = [g for g in group_names(ec_value) if g in ALLOWED_EC_GROUPS] or ["x25519", "prime256v1", "secp384r1"]
    excluded, allowed = [[GROUP_SPELLING.get(g, g) for g in names] for names in (excluded, allowed)]
    return [
        _finding(
            "key_exchange_groups_excluded",
            "info" if profile == "interop" else "low",
            "main.cf",
            "tls_eecdh_auto_curves = %s%s enables %s, which the %s profile excludes (Mozilla's lists: X25519, "
            "prime256v1, secp384r1; X25519MLKEM768 where Postfix 3.10+ and OpenSSL 3.5+ support it). Scanners "
            "that check those lists fail every listener on this point; no peer needs them, since TLS 1.3 makes "
            "secp256r1 (prime256v1) mandatory to implement."
            % (
                ec_value,
                "" if ffdhe_value is None else " and tls_ffdhe_auto_groups = %s" % (ffdhe_value or "(empty)"),
                ", ".join(excluded),
                profile,
            ),
            "main.cf: tls_eecdh_auto_curves = %s" % " ".join(allowed),
        )
    ]


def findings(info, profile="intermediate"):
    """All findings for a postfix_info result, most severe first."""
    if profile not in PROFILES:
        raise ValueError("profile must be one of %s, got %r" % (", ".join(PROFILES), profile))
    out = []
    listeners = [lst for lst in info.get("listeners") or [] if not lst.get("loopback")]
    for lst in listeners:
        out.extend(_auth_findings(lst))
        out.extend(_protocol_findings(lst, info, profile))
        out.extend(_cipher_findings(lst))
        out.extend(_mandatory_ignored_listener(lst, info))
        out.extend(_no_starttls(lst))
        out.extend(_open_relay(lst))
        out.extend(_modern_tls12(lst, info, profile))
        out.extend(_sender_binding(lst, info, profile))
    outbound = info.get("outbound") or {}
    out.extend(_outbound_findings(outbound, info))
    out.extend(_outbound_plaintext(outbound))
    out.extend(_dane_dnssec(outbound))
    out.extend(_dane_resolver(outbound, info))
    out.extend(_outbound_mandatory_weak(outbound, info))
    out.extend(_relay_findings(info))
    out.extend(_sasl_sockets(info))
    out.extend(_group_findings(info, profile))
    by_name = dict((lst["service"], lst) for lst in listeners)
    for cert in info.get("certificates") or []:
        out.extend(_cert_findings(cert, by_name, profile))
    out.extend(_deprecated_findings(info))
    out.extend(_vrfy(info))
    return sorted(out, key=lambda f: (severity_rank(f["severity"]), f["service"], f["id"]))
