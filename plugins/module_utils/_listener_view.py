# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The effective TLS/SASL settings per service: each smtpd listener, the smtp
client (outbound) and its relayhost, after defaults, main.cf and master.cf ``-o``.

The rules encoded here follow the Postfix sources (smtpd.c, smtp.c,
tls_misc.c) and postconf(5):

* smtpd uses ``smtpd_tls_protocols``/``smtpd_tls_ciphers`` at the
  opportunistic level ``may``; the ``*_mandatory_*`` parameters are used only
  when TLS is enforced (level ``encrypt`` or ``smtpd_tls_wrappermode = yes``).
* ``smtpd_tls_exclude_ciphers`` always applies, ``smtpd_tls_mandatory_exclude_ciphers``
  is added when TLS is enforced, and ``aNULL`` is excluded when client
  certificates are requested (``smtpd_tls_ask_ccert``).
* An empty ``smtpd_tls_security_level`` falls back to the legacy
  ``smtpd_enforce_tls`` (encrypt) and ``smtpd_use_tls`` (may).
* ``-o name=value`` overrides in master.cf apply to that service only; values
  are expanded in the service's own parameter namespace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailsec.postfix.plugins.module_utils._lookup_tables import (
    INLINE_DATA_TYPES,
    display_table,
    split_table,
    table_files,
    table_specs,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._postconf_expand import Namespace
from ansible_collections.mailsec.postfix.plugins.module_utils._postfix_defaults import (
    KNOWN_PROTOCOLS,
    SERVICE_PORTS,
    deprecated_in,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._values import (
    SPACE,
    is_decimal,
    list_tokens,
    split_words,
)

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.0")

SMTPD_MANDATORY_PARAMS = (
    "smtpd_tls_mandatory_protocols",
    "smtpd_tls_mandatory_ciphers",
    "smtpd_tls_mandatory_exclude_ciphers",
)
SMTP_MANDATORY_PARAMS = (
    "smtp_tls_mandatory_protocols",
    "smtp_tls_mandatory_ciphers",
    "smtp_tls_mandatory_exclude_ciphers",
)

SMTPD_CERT_PAIRS = (
    ("smtpd_tls_cert_file", "smtpd_tls_key_file"),
    ("smtpd_tls_eccert_file", "smtpd_tls_eckey_file"),
    ("smtpd_tls_dcert_file", "smtpd_tls_dkey_file"),
)

# Postfix splits and trims with ASCII white space only (_values.SPACE): a U+00A0
# NO-BREAK SPACE pasted after "encrypt" is part of the value, which Postfix then
# rejects. Python's str.strip() and \s would hide it, so neither is used here.
_CIPHER_SEP = re.compile(r"[ \t\n\v\f\r,:]+")


# ---------------------------------------------------------------- small helpers


def cipher_tokens(value):
    """Split a protocol or cipher list, which Postfix also separates with ':'."""
    return [item for item in _CIPHER_SEP.split(value or "") if item]


def is_yes(value):
    return (value or "").strip(SPACE).lower() in ("yes", "true", "1", "on")


def protocols_enabled(spec):
    """TLS protocols a Postfix protocol spec allows (tls_protocol_mask rules).

    Names listed without ``!`` form an allow list; ``!name`` excludes;
    ``>=v``/``<=v`` (Postfix 3.6+) bound the range. Empty means all.
    """
    include, exclude = set(), set()
    low, high = 0, len(KNOWN_PROTOCOLS) - 1
    for token in cipher_tokens(spec):
        if token.startswith(">="):
            name = token[2:]
            if name in KNOWN_PROTOCOLS:
                low = max(low, KNOWN_PROTOCOLS.index(name))
        elif token.startswith("<="):
            name = token[2:]
            if name in KNOWN_PROTOCOLS:
                high = min(high, KNOWN_PROTOCOLS.index(name))
        elif token.startswith("!"):
            exclude.add(token[1:])
        elif token in KNOWN_PROTOCOLS:
            include.add(token)
    enabled = []
    for idx, name in enumerate(KNOWN_PROTOCOLS):
        if include and name not in include:
            continue
        if name in exclude or idx < low or idx > high:
            continue
        enabled.append(name)
    return enabled


def service_address(name):
    """Split a master.cf inet service name into (host, port)."""
    host, port_name = None, name
    if name.startswith("["):
        close = name.find("]")
        host = name[: close + 1]
        port_name = name[close + 2 :] if name[close + 1 : close + 2] == ":" else ""
    elif ":" in name:
        host, _sep, port_name = name.rpartition(":")
    if is_decimal(port_name):
        return host, int(port_name)
    return host, SERVICE_PORTS.get(port_name)


def is_loopback(host):
    if not host:
        return False
    return host in LOOPBACK_HOSTS or host.startswith("127.")


# ---------------------------------------------------------------- listeners and the smtp client


def _cipherlist_excludes_anull(ns, grade):
    cipherlist = ns.get("tls_%s_cipherlist" % grade)
    return "!aNULL" in cipherlist or ("!ADH" in cipherlist and "!AECDH" in cipherlist)


def _tls_side(ns, prefix, mandatory, ask_ccert=False):
    """Protocols/ciphers/excludes in force for the smtpd or smtp side."""
    mand = "_mandatory" if mandatory else ""
    proto_param = "%s_tls%s_protocols" % (prefix, mand)
    cipher_param = "%s_tls%s_ciphers" % (prefix, mand)
    exclude_params = ["%s_tls_exclude_ciphers" % prefix]
    if mandatory:
        exclude_params.append("%s_tls_mandatory_exclude_ciphers" % prefix)
    excludes = []
    for param in exclude_params:
        excludes.extend(cipher_tokens(ns.get(param)))
    grade = ns.get(cipher_param).strip(SPACE).lower()
    protocols = ns.get(proto_param)
    enabled = protocols_enabled(protocols)
    anull_excluded = (
        "aNULL" in excludes
        or ask_ccert
        or _cipherlist_excludes_anull(ns, grade)
        # TLS 1.3 has no anonymous suites
        or (bool(enabled) and set(enabled) <= {"TLSv1.3"})
    )
    return {
        "protocols_param": proto_param,
        "protocols": protocols,
        "protocols_enabled": enabled,
        "ciphers_param": cipher_param,
        "ciphers": grade,
        "exclude_params": exclude_params,
        "exclude_ciphers": excludes,
        "anonymous_ciphers_excluded": anull_excluded,
    }


def _smtpd_level(ns):
    level = ns.get("smtpd_tls_security_level").strip(SPACE).lower()
    if level:
        return level, "smtpd_tls_security_level"
    # Legacy parameters count only while smtpd_tls_security_level is empty.
    if is_yes(ns.get("smtpd_enforce_tls")):
        return "encrypt", "smtpd_enforce_tls"
    if is_yes(ns.get("smtpd_use_tls")):
        return "may", "smtpd_use_tls"
    return "none", "default"


def _smtpd_cert_files(ns):
    files = []
    for cert_param, key_param in SMTPD_CERT_PAIRS:
        cert = ns.get(cert_param).strip(SPACE)
        if cert:
            files.append({"cert": cert, "key": ns.get(key_param).strip(SPACE) or cert, "param": cert_param})
    for chain in list_tokens(ns.get("smtpd_tls_chain_files")):
        files.append({"cert": chain, "key": chain, "param": "smtpd_tls_chain_files"})
    return files


def opportunistic_counterpart(param):
    """``smtpd_tls_mandatory_protocols`` -> ``smtpd_tls_protocols`` (and so on)."""
    return param.replace("_mandatory_", "_", 1)


def _mandatory_set_but_ignored(ns, params, mandatory):
    """Mandatory settings that do nothing here while their opportunistic twin is left unset.

    When the twin is set explicitly too, the operator has configured this listener's
    parameters and the mandatory ones serve other listeners (or policies): no confusion.
    """
    if mandatory:
        return {}
    return dict((p, ns.get(p)) for p in params if ns.explicit(p) and not ns.explicit(opportunistic_counterpart(p)))


def effective_listener(service, ns, via=None, settings_service=None):
    host, port = service_address(service["name"])
    level, level_source = _smtpd_level(ns)
    wrapper = is_yes(ns.get("smtpd_tls_wrappermode"))
    if wrapper:
        tls_mode = "wrapper"
    elif level == "none":
        tls_mode = "none"
    else:
        tls_mode = "starttls"
    mandatory = wrapper or level == "encrypt"
    ask_ccert = is_yes(ns.get("smtpd_tls_ask_ccert")) or (level == "encrypt" and is_yes(ns.get("smtpd_tls_req_ccert")))
    certs = _smtpd_cert_files(ns)
    sasl_options = list_tokens(ns.get("smtpd_sasl_security_options"))
    listener = {
        "service": service["name"],
        "type": service["type"],
        "command": service["command"],
        "via": via,
        "settings_service": settings_service or "%s/%s" % (service["name"], service["type"]),
        "host": host,
        "port": port,
        "loopback": is_loopback(host),
        "tls_mode": tls_mode,
        "security_level": level,
        "security_level_source": level_source,
        "tls_mandatory": mandatory,
        "has_certificate": bool(certs),
        "certificate_files": certs,
        "sasl_enabled": is_yes(ns.get("smtpd_sasl_auth_enable")),
        "sasl_type": ns.get("smtpd_sasl_type"),
        "sasl_path": ns.get("smtpd_sasl_path"),
        "tls_auth_only": is_yes(ns.get("smtpd_tls_auth_only")),
        "sasl_security_options": sasl_options,
        "sasl_tls_security_options": list_tokens(ns.get("smtpd_sasl_tls_security_options")),
        "client_restrictions": list_tokens(ns.get("smtpd_client_restrictions")),
        "relay_restrictions": list_tokens(ns.get("smtpd_relay_restrictions")),
        "recipient_restrictions": list_tokens(ns.get("smtpd_recipient_restrictions")),
        "helo_restrictions": list_tokens(ns.get("smtpd_helo_restrictions")),
        "sender_restrictions": list_tokens(ns.get("smtpd_sender_restrictions")),
        # Which logins own which envelope senders (empty: no binding), as configured, expanded.
        "sender_login_maps": ns.get("smtpd_sender_login_maps").strip(SPACE),
        "mandatory_settings_ignored": _mandatory_set_but_ignored(ns, SMTPD_MANDATORY_PARAMS, mandatory),
        "overrides": dict(ns.overrides),
        "deprecated_overrides": deprecated_in(ns.overrides),
        "origins": dict(
            (name, ns.origin(name))
            for name in (
                "smtpd_tls_security_level",
                "smtpd_sasl_auth_enable",
                "smtpd_tls_protocols",
                "smtpd_tls_mandatory_protocols",
                "smtpd_tls_ciphers",
                "smtpd_tls_mandatory_ciphers",
                "smtpd_tls_exclude_ciphers",
                "smtpd_tls_mandatory_exclude_ciphers",
                "smtpd_sasl_security_options",
                "smtpd_sasl_tls_security_options",
                "smtpd_relay_restrictions",
                "smtpd_recipient_restrictions",
                "smtpd_sender_login_maps",
                "smtpd_sender_restrictions",
            )
        ),
    }
    listener.update(_tls_side(ns, "smtpd", mandatory, ask_ccert))
    return listener


def _pass_service(services):
    for svc in services:
        if svc["type"] == "pass" and svc["command"] == "smtpd":
            return svc
    return None


def effective_listeners(defaults, main, services):
    """One entry per smtpd-like inet service, after defaults, main.cf and -o."""
    listeners = []
    for svc in services:
        if svc["type"] != "inet":
            continue
        if svc["command"] == "smtpd":
            listeners.append(effective_listener(svc, Namespace(defaults, main, svc.get("overrides"))))
        elif svc["command"] == "postscreen":
            # postscreen hands clients to the "smtpd pass" service, which does
            # STARTTLS and AUTH with its own settings.
            passed = _pass_service(services)
            overrides = passed.get("overrides") if passed else {}
            settings = "%s/%s" % (passed["name"], passed["type"]) if passed else None
            listeners.append(
                effective_listener(
                    svc, Namespace(defaults, main, overrides), via="postscreen", settings_service=settings
                )
            )
    return listeners


def _smtp_client_overrides(services):
    """The -o overrides of the ``smtp unix smtp`` service (the smtp client)."""
    overrides = {}
    for svc in services or []:
        if svc["name"] == "smtp" and svc["type"] == "unix" and svc["command"] == "smtp":
            overrides = svc.get("overrides") or {}
    return overrides


def effective_outbound(defaults, main, services=None):
    """The smtp client's TLS policy (main.cf; an ``smtp unix smtp`` -o wins)."""
    overrides = _smtp_client_overrides(services)
    ns = Namespace(defaults, main, overrides)
    level = ns.get("smtp_tls_security_level").strip(SPACE).lower()
    source = "smtp_tls_security_level"
    if not level:
        if is_yes(ns.get("smtp_enforce_tls")):
            level, source = "encrypt", "smtp_enforce_tls"
        elif is_yes(ns.get("smtp_use_tls")):
            level, source = "may", "smtp_use_tls"
        else:
            level, source = "none", "default"
    # dane uses the mandatory settings only for destinations with usable TLSA
    # records and falls back to "may" otherwise, so both sets matter there.
    mandatory = level in ("encrypt", "dane-only", "fingerprint", "verify", "secure")
    outbound = {
        "security_level": level,
        "security_level_source": source,
        "tls_mandatory": mandatory,
        "policy_maps": ns.get("smtp_tls_policy_maps"),
        "mandatory_settings_ignored": _mandatory_set_but_ignored(
            ns, SMTP_MANDATORY_PARAMS, mandatory or level == "dane" or bool(ns.get("smtp_tls_policy_maps").strip(SPACE))
        ),
        "overrides": dict(overrides),
        "dns_support_level": ns.get("smtp_dns_support_level").strip(SPACE).lower(),
        # What destinations with a mandatory level (policy table, dane with TLSA) get.
        "mandatory_protocols": ns.get("smtp_tls_mandatory_protocols"),
        "mandatory_protocols_enabled": protocols_enabled(ns.get("smtp_tls_mandatory_protocols")),
    }
    outbound.update(_tls_side(ns, "smtp", mandatory))
    cert = ns.get("smtp_tls_cert_file").strip(SPACE)
    outbound["certificate_files"] = []
    if cert:
        outbound["certificate_files"].append(
            {"cert": cert, "key": ns.get("smtp_tls_key_file").strip(SPACE) or cert, "param": "smtp_tls_cert_file"}
        )
    for chain in list_tokens(ns.get("smtp_tls_chain_files")):
        outbound["certificate_files"].append({"cert": chain, "key": chain, "param": "smtp_tls_chain_files"})
    return outbound


# ---------------------------------------------------------------- relayhost and the smtp client's SASL


def relay_destination(nexthop, policy_maps, level, level_source, lookups=None):
    """The TLS level the smtp client uses for one relayhost next hop.

    The smtp client looks the next hop up, verbatim (``[relay.example.net]:587``), in each
    table of smtp_tls_policy_maps in turn: the first entry found decides (its first word is
    the level); a table that cannot be read stops the search (Postfix defers the mail);
    without an entry smtp_tls_security_level applies. ``lookups`` holds one result
    (``map``, ``found``, ``value``, ``error``) per table in order, or None when the tables
    could not be consulted: the level is then unknown (None).
    """
    entry = {
        "nexthop": nexthop,
        "policy": [],
        "policy_status": "unknown",
        "policy_level": None,
        "tls_level": None,
        "tls_level_source": None,
    }
    if not policy_maps:
        entry.update(policy_status="no_policy_maps", tls_level=level, tls_level_source=level_source)
        return entry
    if lookups is None:
        return entry
    for result in lookups:
        entry["policy"].append(dict(result))
        if result.get("error"):
            entry["policy_status"] = "error"
            return entry
        if result.get("found"):
            # ASCII white space only, as Postfix splits: "encrypt\u00a0" is no level Postfix knows.
            words = split_words(result.get("value") or "")
            policy_level = words[0].lower() if words else ""
            entry.update(
                policy_status="found",
                policy_level=policy_level,
                tls_level=policy_level,
                tls_level_source="smtp_tls_policy_maps",
            )
            return entry
    entry.update(policy_status="not_found", tls_level=level, tls_level_source=level_source)
    return entry


def effective_relay(defaults, main, services=None, outbound=None, config_dir=None):
    """relayhost, the smtp client's SASL settings and tables, and the TLS level per next hop.

    relayhost is main.cf's (trivial-rewrite reads it); the smtp_* parameters are the smtp
    client's, where an ``smtp unix smtp`` -o wins. The TLS policy table is not consulted
    here (``policy_lookup``: ``unknown`` while the relay has a table to look in); the
    module does that with postmap and calls resolve_relay_policy.
    """
    defaults = dict(defaults or {})
    # $config_directory in a table name: postconf -c DIR does not report DIR as the default.
    defaults.setdefault("config_directory", config_dir or "/etc/postfix")
    if outbound is None:
        outbound = effective_outbound(defaults, main, services)
    ns = Namespace(defaults, main, _smtp_client_overrides(services))
    relayhost = Namespace(defaults, main).get("relayhost").strip(SPACE)
    policy_maps = table_specs(ns.get("smtp_tls_policy_maps"))
    level, level_source = outbound["security_level"], outbound["security_level_source"]
    destinations = [relay_destination(hop, policy_maps, level, level_source) for hop in list_tokens(relayhost)]
    password_maps = []
    for spec in table_specs(ns.get("smtp_sasl_password_maps")):
        kind, name = split_table(spec)
        password_maps.append(
            {
                "map": display_table(spec),
                "type": kind,
                "name": None if kind in INLINE_DATA_TYPES else name,
                "files": table_files(spec),
            }
        )
    pending = bool(destinations and policy_maps)
    return {
        "relayhost": relayhost,
        "destinations": destinations,
        "sasl_auth_enable": is_yes(ns.get("smtp_sasl_auth_enable")),
        # the smtp client's SASL implementation: Postfix offers only cyrus to clients (postconf -A)
        "sasl_type": (ns.get("smtp_sasl_type") or "cyrus").strip(SPACE),
        "sasl_security_options": list_tokens(ns.get("smtp_sasl_security_options")),
        "sasl_tls_security_options": list_tokens(ns.get("smtp_sasl_tls_security_options")),
        "password_maps": password_maps,
        "policy_maps": policy_maps,
        "security_level": level,
        "security_level_source": level_source,
        "policy_lookup": "unknown" if pending else "not_needed",
        "policy_lookup_note": (
            "the TLS policy table (smtp_tls_policy_maps) was not consulted: the TLS level for the relayhost is unknown"
            if pending
            else None
        ),
        "origins": dict(
            (name, ns.origin(name))
            for name in (
                "smtp_sasl_auth_enable",
                "smtp_sasl_password_maps",
                "smtp_sasl_security_options",
                "smtp_sasl_tls_security_options",
                "smtp_tls_policy_maps",
                "smtp_tls_security_level",
            )
        ),
    }


def resolve_relay_policy(relay, lookups):
    """Fill in the TLS level per next hop from ``lookups`` (next hop -> one result per policy table)."""
    relay["destinations"] = [
        relay_destination(
            dest["nexthop"],
            relay["policy_maps"],
            relay["security_level"],
            relay["security_level_source"],
            lookups.get(dest["nexthop"]),
        )
        for dest in relay["destinations"]
    ]
    relay["policy_lookup"] = "postmap"
    relay["policy_lookup_note"] = None
    return relay
