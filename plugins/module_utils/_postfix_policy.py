# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Effective per-listener TLS/SASL policy of a Postfix instance: the postfix_info view.

Pure functions over the text that ``postconf -n``, ``-d name...``, ``-M`` and
``-P`` print (or over main.cf/master.cf text when postconf is missing). No
AnsibleModule, stdlib only: the module and the filter share this code. The
text is parsed with the collection's main.cf/master.cf parsers (_maincf,
_mastercf), the same ones the maincf and mastercf modules edit with.

``build_view`` assembles the view from the parts, each in a file of its own:

* _postconf_parse: ``postconf -n``/``-d``/``-M``/``-P`` output and main.cf/master.cf text;
* _postconf_expand: ``$name`` expansion and the per-service parameter namespace;
* _postfix_defaults: the defaults the view needs (with their fallbacks) and other constants;
* _lookup_tables: the ``type:name`` tables named in parameter values;
* _listener_view: the effective settings per listener, of the smtp client and its relayhost.

The names those files define that callers use are importable from here too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailsec.postfix.plugins.module_utils._listener_view import (
    LOOPBACK_HOSTS,
    SMTP_MANDATORY_PARAMS,
    SMTPD_CERT_PAIRS,
    SMTPD_MANDATORY_PARAMS,
    cipher_tokens,
    effective_listener,
    effective_listeners,
    effective_outbound,
    effective_relay,
    is_loopback,
    is_yes,
    opportunistic_counterpart,
    protocols_enabled,
    relay_destination,
    resolve_relay_policy,
    service_address,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._lookup_tables import (
    BUILT_MAP_SUFFIXES,
    CLIENT_CONFIG_TYPES,
    COMPOSITE_TYPES,
    DIRECT_FILE_TYPES,
    INLINE_DATA_TYPES,
    REDACTED,
    display_table,
    split_table,
    table_files,
    table_specs,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._postconf_expand import Namespace, expand
from ansible_collections.mailsec.postfix.plugins.module_utils._postconf_parse import (
    attach_overrides,
    parse_overrides,
    parse_params,
    parse_services,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._postfix_defaults import (
    DEFAULT_NAMES,
    DEPRECATED_PARAMETERS,
    FALLBACK_DEFAULTS,
    KNOWN_PROTOCOLS,
    MODERN_PROTOCOLS,
    SERVICE_PORTS,
    deprecated_in,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._values import SPACE

# What callers import from here: the view (defined below) and the names of the parts.
__all__ = [
    "BUILT_MAP_SUFFIXES",
    "CLIENT_CONFIG_TYPES",
    "COMPOSITE_TYPES",
    "DEFAULT_NAMES",
    "DEPRECATED_PARAMETERS",
    "DIRECT_FILE_TYPES",
    "FALLBACK_DEFAULTS",
    "INLINE_DATA_TYPES",
    "KNOWN_PROTOCOLS",
    "LOOPBACK_HOSTS",
    "MODERN_PROTOCOLS",
    "REDACTED",
    "SERVICE_PORTS",
    "SMTPD_CERT_PAIRS",
    "SMTPD_MANDATORY_PARAMS",
    "SMTP_MANDATORY_PARAMS",
    "SPACE",
    "Namespace",
    "attach_overrides",
    "build_view",
    "certificate_files",
    "cipher_tokens",
    "display_table",
    "effective_listener",
    "effective_listeners",
    "effective_outbound",
    "effective_relay",
    "expand",
    "is_loopback",
    "is_yes",
    "opportunistic_counterpart",
    "pair_chain_files",
    "parse_overrides",
    "parse_params",
    "parse_services",
    "protocols_enabled",
    "relay_destination",
    "resolve_relay_policy",
    "service_address",
    "split_table",
    "table_files",
    "table_specs",
]


def pair_chain_files(paths, pem_kinds):
    """(certificate file, key file) pairs of a ``*_tls_chain_files`` list.

    Postfix reads the list in order: each private key is followed by its certificate
    chain, in the same file or in the files after it. ``pem_kinds`` maps a path to the
    PEM objects it holds (a subset of ``{"key", "cert"}``); a path it does not know is
    taken for a certificate so that inspecting it reports why it is unusable.
    """
    pairs = []
    last_key = None
    for path in paths:
        kinds = pem_kinds.get(path, {"cert"})
        if "key" in kinds:
            last_key = path
        if "cert" in kinds:
            pairs.append((path, path if "key" in kinds else (last_key or path)))
    return pairs


def _pair_chain_entries(files, pem_kinds):
    plain = [e for e in files if not e["param"].endswith("_tls_chain_files")]
    chain = [e for e in files if e["param"].endswith("_tls_chain_files")]
    if not chain or pem_kinds is None:
        return files
    paired = pair_chain_files([e["cert"] for e in chain], pem_kinds)
    return plain + [{"cert": cert, "key": key, "param": chain[0]["param"]} for cert, key in paired]


def certificate_files(listeners, outbound):
    """Distinct cert/key pairs with the services that use them."""
    seen = {}
    order = []
    for owner, files in [(lst["service"], lst["certificate_files"]) for lst in listeners] + [
        ("outbound", outbound["certificate_files"])
    ]:
        for entry in files:
            key = (entry["cert"], entry["key"])
            if key not in seen:
                seen[key] = {"path": entry["cert"], "key_path": entry["key"], "params": [], "used_by": []}
                order.append(key)
            item = seen[key]
            if entry["param"] not in item["params"]:
                item["params"].append(entry["param"])
            if owner not in item["used_by"]:
                item["used_by"].append(owner)
    return [seen[key] for key in order]


def build_view(defaults, main, services, *, config_dir=None, source="postconf", pem_kinds=None):
    """The postfix_info dict without certificate facts (the module adds them).

    ``pem_kinds`` (path -> set of "key"/"cert") pairs the entries of
    ``*_tls_chain_files`` into certificate and key files; see pair_chain_files.
    """
    ns = Namespace(defaults, main)
    listeners = effective_listeners(defaults, main, services)
    outbound = effective_outbound(defaults, main, services)
    for lst in listeners:
        lst["certificate_files"] = _pair_chain_entries(lst["certificate_files"], pem_kinds)
    outbound["certificate_files"] = _pair_chain_entries(outbound["certificate_files"], pem_kinds)
    relay = effective_relay(defaults, main, services, outbound, config_dir)
    deprecated = []
    for name in deprecated_in(main):
        deprecated.append(
            {"parameter": name, "value": main[name], "service": "main.cf", "replacement": DEPRECATED_PARAMETERS[name]}
        )
    for lst in listeners:
        for name in lst["deprecated_overrides"]:
            deprecated.append(
                {
                    "parameter": name,
                    "value": lst["overrides"][name],
                    "service": lst["service"],
                    "replacement": DEPRECATED_PARAMETERS[name],
                }
            )
    return {
        "version": ns.get("mail_version"),
        "config_dir": config_dir,
        "source": source,
        "myhostname": ns.get("myhostname"),
        "queue_directory": ns.get("queue_directory"),
        "main": dict(main),
        "services": services,
        "listeners": listeners,
        "outbound": outbound,
        "relay": relay,
        "deprecated": deprecated,
        "disable_vrfy_command": is_yes(ns.get("disable_vrfy_command")),
        "certificate_files": certificate_files(listeners, outbound),
        # None where this Postfix does not know the parameter (tls_ffdhe_auto_groups before 3.8).
        "key_exchange": dict(
            (name, None if ns.raw(name) is None else ns.get(name))
            for name in ("tls_eecdh_auto_curves", "tls_ffdhe_auto_groups")
        ),
    }
