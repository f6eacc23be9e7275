# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Effective per-listener TLS/SASL policy of a Postfix instance.

Pure functions over the text that ``postconf -n``, ``-d name...``, ``-M`` and
``-P`` print (or over main.cf/master.cf text when postconf is missing). No
AnsibleModule, stdlib only: the module and the filter share this code. The
text is parsed with the collection's main.cf/master.cf parsers (_maincf,
_mastercf), the same ones the maincf and mastercf modules edit with.

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

from ansible_collections.mailsec.postfix.plugins.module_utils import _maincf, _mastercf
from ansible_collections.mailsec.postfix.plugins.module_utils._values import (
    SPACE,
    fold_whitespace,
    list_tokens,
    split_words,
)

KNOWN_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
MODERN_PROTOCOLS = ("TLSv1.2", "TLSv1.3")

# Well-known service names used in master.cf's first column.
SERVICE_PORTS = {
    "smtp": 25,
    "submission": 587,
    "submissions": 465,
    "smtps": 465,
    "urd": 465,
    "lmtp": 24,
}

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.0")

# Parameters whose defaults the view needs; the module asks ``postconf -d``
# for exactly these names so the result reflects the installed version.
DEFAULT_NAMES = (
    "mail_version",
    "compatibility_level",
    "myhostname",
    "mydomain",
    "data_directory",
    "disable_vrfy_command",
    "smtpd_tls_security_level",
    "smtpd_use_tls",
    "smtpd_enforce_tls",
    "smtpd_tls_wrappermode",
    "smtpd_tls_protocols",
    "smtpd_tls_mandatory_protocols",
    "smtpd_tls_ciphers",
    "smtpd_tls_mandatory_ciphers",
    "smtpd_tls_exclude_ciphers",
    "smtpd_tls_mandatory_exclude_ciphers",
    "smtpd_tls_ask_ccert",
    "smtpd_tls_req_ccert",
    "smtpd_tls_auth_only",
    "smtpd_tls_cert_file",
    "smtpd_tls_key_file",
    "smtpd_tls_eccert_file",
    "smtpd_tls_eckey_file",
    "smtpd_tls_dcert_file",
    "smtpd_tls_dkey_file",
    "smtpd_tls_chain_files",
    "smtpd_sasl_auth_enable",
    "smtpd_sasl_security_options",
    "smtpd_sasl_tls_security_options",
    "smtpd_sasl_type",
    "smtpd_sasl_path",
    "queue_directory",
    "smtpd_client_restrictions",
    "smtpd_helo_restrictions",
    "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",
    "smtpd_recipient_restrictions",
    "smtpd_sender_login_maps",
    "smtp_tls_security_level",
    "smtp_use_tls",
    "smtp_enforce_tls",
    "smtp_tls_protocols",
    "smtp_tls_mandatory_protocols",
    "smtp_tls_ciphers",
    "smtp_tls_mandatory_ciphers",
    "smtp_tls_exclude_ciphers",
    "smtp_tls_mandatory_exclude_ciphers",
    "smtp_tls_policy_maps",
    "smtp_tls_cert_file",
    "smtp_tls_key_file",
    "smtp_tls_chain_files",
    "tls_high_cipherlist",
    "tls_medium_cipherlist",
    "tls_low_cipherlist",
    "tls_export_cipherlist",
    "tls_null_cipherlist",
    # key-exchange groups (tls_ffdhe_auto_groups: Postfix 3.8+) and DNSSEC for DANE
    "tls_eecdh_auto_curves",
    "tls_ffdhe_auto_groups",
    "smtp_dns_support_level",
    # the smtp client's SASL towards a relayhost
    "relayhost",
    "smtp_sasl_auth_enable",
    "smtp_sasl_password_maps",
    "smtp_sasl_security_options",
    "smtp_sasl_tls_security_options",
)

# Parameters that are obsolete or overridden by newer ones (postconf(5);
# postconf warns about several of them from Postfix 3.9 on).
DEPRECATED_PARAMETERS = {
    "smtpd_use_tls": "smtpd_tls_security_level",
    "smtpd_enforce_tls": "smtpd_tls_security_level",
    "smtp_use_tls": "smtp_tls_security_level",
    "smtp_enforce_tls": "smtp_tls_security_level",
    "lmtp_use_tls": "lmtp_tls_security_level",
    "lmtp_enforce_tls": "lmtp_tls_security_level",
    "smtpd_tls_dh1024_param_file": "(nothing: OpenSSL 3 selects the DH group)",
    "smtpd_tls_dh512_param_file": "(nothing: export ciphers are gone)",
    "smtpd_tls_eecdh_grade": "tls_eecdh_auto_curves / tls_ffdhe_auto_groups",
    "smtp_tls_per_site": "smtp_tls_policy_maps",
    "smtp_tls_enforce_peername": "smtp_tls_security_level",
}

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
_NAME_CHARS = re.compile(r"[A-Za-z0-9_]+")


# ---------------------------------------------------------------- postconf text
#
# ``postconf -n``/``-d`` print main.cf syntax (one ``name = value`` a line) and
# ``postconf -M`` prints master.cf syntax (one service a line), so both go
# through the shared main.cf/master.cf parsers, exactly like the files read when
# postconf is missing.


def _is_decimal(text):
    """Digits 0-9 only: str.isdigit() also takes '\u00b2', which int() refuses."""
    return bool(re.match(r"^[0-9]+$", text))


def parse_params(text):
    """Parameters of main.cf text or ``postconf -n``/``-d`` output: last setting wins."""
    return _maincf.parse(text or "").effective_values()


def _service_entry(view):
    fields = [token.value for token in view.tokens[:8]]
    # postconf -P prints override values with whitespace folded; arguments in
    # { } groups are folded the same way so both sources give the same view.
    args = [fold_whitespace(token.value) if token.braced else token.value for token in view.tokens[8:]]
    overrides = {}
    for option in view.options:
        overrides[option.name] = fold_whitespace(option.value)
    return {
        "name": fields[0],
        "type": fields[1],
        "private": fields[2],
        "unpriv": fields[3],
        "chroot": fields[4],
        "wakeup": fields[5],
        "maxproc": fields[6],
        "command": fields[7],
        "args": args,
        "overrides": overrides,
    }


def parse_services(text):
    """Service entries of master.cf text or ``postconf -M`` output.

    ``-o`` overrides end where Postfix's getopt ends them (at the first
    operand). Entries with fewer than eight fields are skipped; unbalanced
    braces raise MasterCfError naming the service.
    """
    services = []
    for service in _mastercf.parse(text or "").services():
        try:
            if len(_mastercf.tokenize(service)) < 8:
                continue
            view = _mastercf.analyse(service)
        except _mastercf.MasterCfError as exc:
            raise _mastercf.MasterCfError("service %s: %s" % (_mastercf.service_label(service.key), exc)) from None
        services.append(_service_entry(view))
    return services


def parse_overrides(text):
    """Parse ``postconf -P`` output: ``service/type/name = value``."""
    overrides = {}
    for key, value in parse_params(text).items():
        parts = key.split("/")
        if len(parts) == 3:
            overrides.setdefault((parts[0], parts[1]), {})[parts[2]] = value
    return overrides


def attach_overrides(services, overrides):
    """Prefer ``postconf -P`` overrides (authoritative) over the -M argv parse."""
    for svc in services:
        key = (svc["name"], svc["type"])
        if key in overrides:
            svc["overrides"] = dict(overrides[key])
    return services


# ---------------------------------------------------------------- $name expansion


def _find_close(text, start):
    """Index of the bracket closing text[start] ('{' or '('), or -1."""
    opening = text[start]
    closing = "}" if opening == "{" else ")"
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _level_tuple(text):
    parts = []
    for part in text.strip(SPACE).split("."):
        parts.append(int(part) if _is_decimal(part) else 0)
    return tuple(parts)


_RELOP = re.compile(
    r"^\{(?P<a>.*?)\}\s*(?P<op>==|!=|<=level|>=level|<level|>level|<=|>=|<|>)\s*\{(?P<b>.*?)\}\s*\?\s*(?P<rest>.*)$",
    re.S | re.ASCII,
)


def _brace_operands(rest):
    """Parse ``{t} : {f}`` or ``{t}`` after the '?' of a conditional."""
    rest = rest.strip(SPACE)
    if not rest.startswith("{"):
        return rest, ""
    end = _find_close(rest, 0)
    if end < 0:
        return rest, ""
    true_text = rest[1:end]
    tail = rest[end + 1 :].strip(SPACE)
    false_text = ""
    if tail.startswith(":"):
        tail = tail[1:].strip(SPACE)
        if tail.startswith("{"):
            fend = _find_close(tail, 0)
            false_text = tail[1:fend] if fend > 0 else tail
        else:
            false_text = tail
    return true_text, false_text


def _compare(a, op, b):
    if op.endswith("level"):
        a_t, b_t = _level_tuple(a), _level_tuple(b)
        op = op[: -len("level")]
    elif _is_decimal(a.strip(SPACE)) and _is_decimal(b.strip(SPACE)):
        a_t, b_t = int(a), int(b)
    else:
        a_t, b_t = a, b
    return {
        "==": a_t == b_t,
        "!=": a_t != b_t,
        "<": a_t < b_t,
        "<=": a_t <= b_t,
        ">": a_t > b_t,
        ">=": a_t >= b_t,
    }[op]


def expand(value, lookup, depth=0):
    """Expand ``$name``, ``${name}``, ``$(name)``, ``${name?x}``, ``${name:x}``,
    ``${name?{x}:{y}}`` and ``${{a} op {b} ? {x} : {y}}`` as Postfix does.

    ``lookup(name)`` returns the raw value or None (unknown parameters expand
    to the empty string, as in Postfix).
    """
    if value is None:
        return None
    if depth > 20:
        # Postfix stops with "unreasonable macro call nesting"; treat as empty.
        return ""
    if "$" not in value:
        return value
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch != "$" or i + 1 >= len(value):
            out.append(ch)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt in "{(":
            end = _find_close(value, i + 1)
            if end < 0:
                out.append(value[i:])
                break
            out.append(_expand_braced(value[i + 2 : end], lookup, depth))
            i = end + 1
            continue
        match = _NAME_CHARS.match(value, i + 1)
        if not match:
            out.append(ch)
            i += 1
            continue
        out.append(expand(lookup(match.group(0)) or "", lookup, depth + 1))
        i = match.end()
    return "".join(out)


def _expand_braced(inner, lookup, depth):
    inner_s = inner.strip(SPACE)
    if inner_s.startswith("{"):
        match = _RELOP.match(inner_s)
        if not match:
            return ""
        a = expand(match.group("a"), lookup, depth + 1).strip(SPACE)
        b = expand(match.group("b"), lookup, depth + 1).strip(SPACE)
        true_text, false_text = _brace_operands(match.group("rest"))
        chosen = true_text if _compare(a, match.group("op"), b) else false_text
        return expand(chosen, lookup, depth + 1).strip(SPACE)
    match = _NAME_CHARS.match(inner_s)
    if not match:
        return ""
    name = match.group(0)
    rest = inner_s[match.end() :]
    current = expand(lookup(name) or "", lookup, depth + 1)
    if not rest:
        return current
    if rest[0] == "?":
        operand = rest[1:]
        if operand.strip(SPACE).startswith("{"):
            true_text, false_text = _brace_operands(operand)
            return expand(true_text if current else false_text, lookup, depth + 1)
        return expand(operand, lookup, depth + 1) if current else ""
    if rest[0] == ":":
        return "" if current else expand(rest[1:], lookup, depth + 1)
    return current


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
    if _is_decimal(port_name):
        return host, int(port_name)
    return host, SERVICE_PORTS.get(port_name)


def is_loopback(host):
    if not host:
        return False
    return host in LOOPBACK_HOSTS or host.startswith("127.")


# ---------------------------------------------------------------- the view


class Namespace:
    """Parameter namespace: defaults < main.cf < service -o overrides."""

    def __init__(self, defaults, main, overrides=None):
        self.defaults = defaults or {}
        self.main = main or {}
        self.overrides = overrides or {}

    def raw(self, name):
        for layer in (self.overrides, self.main, self.defaults):
            if name in layer:
                return layer[name]
        return None

    def get(self, name):
        return expand(self.raw(name) or "", self.raw)

    def explicit(self, name):
        """True when main.cf or the service sets the parameter."""
        return name in self.overrides or name in self.main

    def origin(self, name):
        if name in self.overrides:
            return "master.cf"
        if name in self.main:
            return "main.cf"
        return "default"


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


def _deprecated_in(layer):
    return sorted(name for name in layer if name in DEPRECATED_PARAMETERS)


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
        "deprecated_overrides": _deprecated_in(ns.overrides),
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
#
# Lookup tables are named ``type:name`` in a list parameter. Which files a table reads
# follows from its type: postmap builds ``name.db`` (hash, btree), ``name.lmdb``,
# ``name.cdb`` or ``name.dir``/``name.pag`` (dbm, sdbm) from the source file ``name``;
# texthash, regexp, pcre and cidr read ``name`` itself; the database clients read a
# configuration file (which holds the database password). static: and inline: tables
# carry their data, a relay password included, in the name: it is never returned.

BUILT_MAP_SUFFIXES = {
    "hash": (".db",),
    "btree": (".db",),
    "lmdb": (".lmdb",),
    "cdb": (".cdb",),
    "dbm": (".dir", ".pag"),
    "sdbm": (".dir", ".pag"),
}
DIRECT_FILE_TYPES = ("texthash", "regexp", "pcre", "cidr")
CLIENT_CONFIG_TYPES = ("ldap", "mysql", "pgsql", "sqlite", "memcache", "mongodb")
INLINE_DATA_TYPES = ("static", "inline")
COMPOSITE_TYPES = ("unionmap", "pipemap")
REDACTED = "<redacted>"


def table_specs(value):
    """The tables of a ``*_maps`` value: split on white space and commas outside ``{ }``."""
    specs, current, depth = [], [], 0
    for char in value or "":
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if depth == 0 and (char in SPACE or char == ","):
            if current:
                specs.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        specs.append("".join(current))
    return specs


def split_table(spec):
    """(type, name) of ``type:name``; (None, spec) when the spec names no type."""
    kind, sep, name = spec.partition(":")
    if not sep or not kind or "{" in kind:
        return None, spec
    return kind.lower(), name


def _unbrace(name):
    name = name.strip(SPACE)
    if name.startswith("{") and name.endswith("}"):
        return name[1:-1]
    return name


def display_table(spec):
    """The table spec to show: the data of static:/inline: tables replaced by <redacted>."""
    kind, name = split_table(spec)
    if kind in INLINE_DATA_TYPES:
        return "%s:%s" % (kind, "{%s}" % REDACTED if name.strip(SPACE).startswith("{") else REDACTED)
    if kind == "proxy":
        return "proxy:" + display_table(name)
    if kind in COMPOSITE_TYPES:
        return "%s:{%s}" % (kind, ", ".join(display_table(inner) for inner in table_specs(_unbrace(name))))
    return spec


def table_files(spec, lookup_only=False):
    """The files a table reads (``path``, ``role``): ``source`` (postmap's input), ``map``
    (what postmap built), ``table`` (read as is) or ``config`` (a database client's file).

    ``lookup_only``: just the files a lookup opens (no ``source`` of a built map).
    """
    kind, name = split_table(spec)
    if kind == "proxy":
        return table_files(name, lookup_only)
    if kind in COMPOSITE_TYPES:
        files = []
        for inner in table_specs(_unbrace(name)):
            files.extend(table_files(inner, lookup_only))
        return files
    if kind in BUILT_MAP_SUFFIXES:
        built = [{"path": name + suffix, "role": "map"} for suffix in BUILT_MAP_SUFFIXES[kind]]
        return built if lookup_only else [{"path": name, "role": "source"}, *built]
    if kind in DIRECT_FILE_TYPES:
        return [{"path": name, "role": "table"}]
    if kind in CLIENT_CONFIG_TYPES and name.startswith("/"):
        # ldap:name without a slash names main.cf parameters (the old style), not a file
        return [{"path": name, "role": "config"}]
    return []


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
    for name in _deprecated_in(main):
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


# Used only when postconf is missing (``source: files``): the Postfix 3.7
# defaults for the parameters above, so the view is still complete. With
# postconf present the defaults always come from ``postconf -d``.
FALLBACK_DEFAULTS = {
    "mail_version": "",
    "compatibility_level": "0",
    "disable_vrfy_command": "no",
    "smtpd_tls_security_level": "",
    "smtpd_use_tls": "no",
    "smtpd_enforce_tls": "no",
    "smtpd_tls_wrappermode": "no",
    "smtpd_tls_protocols": ">=TLSv1",
    "smtpd_tls_mandatory_protocols": ">=TLSv1",
    "smtpd_tls_ciphers": "medium",
    "smtpd_tls_mandatory_ciphers": "medium",
    "smtpd_tls_exclude_ciphers": "",
    "smtpd_tls_mandatory_exclude_ciphers": "",
    "smtpd_tls_ask_ccert": "no",
    "smtpd_tls_req_ccert": "no",
    "smtpd_tls_auth_only": "no",
    "smtpd_tls_key_file": "$smtpd_tls_cert_file",
    "smtpd_tls_eckey_file": "$smtpd_tls_eccert_file",
    "smtpd_tls_dkey_file": "$smtpd_tls_dcert_file",
    "smtpd_sasl_auth_enable": "no",
    "smtpd_sasl_security_options": "noanonymous",
    "smtpd_sasl_tls_security_options": "$smtpd_sasl_security_options",
    "smtpd_sasl_type": "cyrus",
    "smtpd_sasl_path": "smtpd",
    "queue_directory": "/var/spool/postfix",
    "smtpd_relay_restrictions": (
        "${{$compatibility_level} <level {1} ? {} : "
        "{permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}"
    ),
    "smtpd_recipient_restrictions": "",
    "smtpd_client_restrictions": "",
    "smtpd_helo_restrictions": "",
    "smtpd_sender_restrictions": "",
    "smtpd_sender_login_maps": "",
    "smtp_tls_security_level": "",
    "smtp_use_tls": "no",
    "smtp_enforce_tls": "no",
    "smtp_tls_protocols": ">=TLSv1",
    "smtp_tls_mandatory_protocols": ">=TLSv1",
    "smtp_tls_ciphers": "medium",
    "smtp_tls_mandatory_ciphers": "medium",
    "smtp_tls_key_file": "$smtp_tls_cert_file",
    "smtp_dns_support_level": "",
    "relayhost": "",
    "smtp_sasl_auth_enable": "no",
    "smtp_sasl_password_maps": "",
    "smtp_sasl_security_options": "noplaintext, noanonymous",
    "smtp_sasl_tls_security_options": "$smtp_sasl_security_options",
    "tls_eecdh_auto_curves": "X25519 X448 prime256v1 secp521r1 secp384r1",
    "tls_high_cipherlist": "aNULL:-aNULL:HIGH:@STRENGTH",
    "tls_medium_cipherlist": "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
}
