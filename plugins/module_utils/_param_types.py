# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value types of the Postfix parameters this collection knows, and their checks.

postconf accepts any value for a known name, and `postfix check` reads only a few
parameters. Most bad values surface when a daemon starts: smtpd calls msg_fatal on
an unknown TLS level, and every daemon refuses a boolean that is not yes/no. So the
values are checked here, before the file is written, and the error repeats Postfix's
own wording (mail_conf_bool.c, mail_conf_int.c, mail_conf_long.c, conv_time.c,
tls_level.c, tls_protocol_mask).

A value that refers to another parameter ($name, ${name}) is checked after
expansion by the caller (postconf -x); check_value() skips it.
Pure functions, standard library only.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.postfix.plugins.module_utils._values import list_tokens, strip

INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1

# Postfix reads an integer with sscanf("%d%c"): leading white space and a sign are
# allowed, trailing text is not.
_INT_RE = re.compile(r"^[ \t\n\v\f\r]*[+-]?[0-9]+$")
# conv_time(): strtol, then one unit letter; anything after the unit is not examined.
_TIME_RE = re.compile(r"^[ \t\n\v\f\r]*\+?([0-9]+)(?:([a-zA-Z])(.*))?$", re.DOTALL)
_TIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# tls_level.c knows these names (case-insensitive). smtpd(8), postscreen(8) and
# tlsproxy(8) die on the DANE levels; the verifying levels only warn there.
CLIENT_TLS_LEVELS = ("none", "may", "encrypt", "dane", "dane-only", "fingerprint", "verify", "secure")
SERVER_TLS_LEVELS = ("none", "may", "encrypt", "fingerprint", "verify", "secure")
TLS_PROTOCOLS = ("sslv2", "sslv3", "tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3")
CIPHER_GRADES = ("export", "low", "medium", "high", "null")
SASL_SECURITY_OPTIONS = ("noanonymous", "noplaintext", "noactive", "nodictionary", "mutual_auth", "forward_secrecy")


def _kind(kind, **extra):
    return dict(kind=kind, **extra)


BOOL = _kind("bool")
INT = _kind("int")
LONG = _kind("long")
TIME = _kind("time")
SERVER_LEVEL = _kind("tls_level", levels=SERVER_TLS_LEVELS, daemon="smtpd")
CLIENT_LEVEL = _kind("tls_level", levels=CLIENT_TLS_LEVELS, daemon="smtp")
PROTOCOLS = _kind("tls_protocols")
GRADE = _kind("choice", choices=CIPHER_GRADES)
SASL_OPTIONS = _kind("choice_list", choices=SASL_SECURITY_OPTIONS)

PARAM_TYPES = {
    # TLS security levels
    "smtpd_tls_security_level": SERVER_LEVEL,
    "postscreen_tls_security_level": SERVER_LEVEL,
    "tlsproxy_tls_security_level": SERVER_LEVEL,
    "smtp_tls_security_level": CLIENT_LEVEL,
    "lmtp_tls_security_level": CLIENT_LEVEL,
    # TLS protocol lists and cipher grades
    "smtpd_tls_protocols": PROTOCOLS,
    "smtpd_tls_mandatory_protocols": PROTOCOLS,
    "smtp_tls_protocols": PROTOCOLS,
    "smtp_tls_mandatory_protocols": PROTOCOLS,
    "lmtp_tls_protocols": PROTOCOLS,
    "lmtp_tls_mandatory_protocols": PROTOCOLS,
    "smtpd_tls_ciphers": GRADE,
    "smtpd_tls_mandatory_ciphers": GRADE,
    "smtp_tls_ciphers": GRADE,
    "smtp_tls_mandatory_ciphers": GRADE,
    "lmtp_tls_ciphers": GRADE,
    "lmtp_tls_mandatory_ciphers": GRADE,
    # booleans (get_mail_conf_bool)
    "smtpd_tls_auth_only": BOOL,
    "smtpd_tls_received_header": BOOL,
    "smtpd_tls_wrappermode": BOOL,
    "smtpd_tls_ask_ccert": BOOL,
    "smtpd_tls_req_ccert": BOOL,
    "smtpd_use_tls": BOOL,
    "smtpd_enforce_tls": BOOL,
    "smtpd_sasl_auth_enable": BOOL,
    "smtpd_sasl_authenticated_header": BOOL,
    "smtpd_helo_required": BOOL,
    "smtpd_delay_reject": BOOL,
    "smtpd_tls_always_issue_session_ids": BOOL,
    "smtpd_tls_set_sessionid_context": BOOL,
    "smtp_use_tls": BOOL,
    "smtp_enforce_tls": BOOL,
    "smtp_tls_enforce_peername": BOOL,
    "smtp_sasl_auth_enable": BOOL,
    "smtp_tls_note_starttls_offer": BOOL,
    "smtp_tls_wrappermode": BOOL,
    "lmtp_sasl_auth_enable": BOOL,
    "tls_preempt_cipherlist": BOOL,
    "tls_append_default_CA": BOOL,
    "disable_vrfy_command": BOOL,
    "strict_rfc821_envelopes": BOOL,
    "allow_percent_hack": BOOL,
    "append_dot_mydomain": BOOL,
    "biff": BOOL,
    "smtputf8_enable": BOOL,
    "show_user_unknown_table_name": BOOL,
    # integers (get_mail_conf_int) and sizes (get_mail_conf_long)
    "smtpd_tls_loglevel": _kind("int", minimum=0),
    "smtp_tls_loglevel": _kind("int", minimum=0),
    "lmtp_tls_loglevel": _kind("int", minimum=0),
    "smtpd_client_auth_rate_limit": _kind("int", minimum=0),
    "smtpd_client_connection_count_limit": _kind("int", minimum=0),
    "smtpd_client_connection_rate_limit": _kind("int", minimum=0),
    "smtpd_client_message_rate_limit": _kind("int", minimum=0),
    "smtpd_recipient_limit": _kind("int", minimum=1),
    "smtpd_hard_error_limit": _kind("int", minimum=1),
    "smtpd_soft_error_limit": _kind("int", minimum=0),
    "default_process_limit": _kind("int", minimum=1),
    "smtpd_tls_ccert_verifydepth": _kind("int", minimum=1),
    "smtp_tls_scert_verifydepth": _kind("int", minimum=1),
    "message_size_limit": _kind("long", minimum=0),
    "mailbox_size_limit": _kind("long", minimum=0),
    "queue_minfree": _kind("long", minimum=0),
    "header_size_limit": _kind("int", minimum=1),
    # time values (get_mail_conf_time)
    "smtpd_timeout": TIME,
    "smtp_connect_timeout": TIME,
    "smtp_helo_timeout": TIME,
    "smtpd_tls_session_cache_timeout": TIME,
    "smtp_tls_session_cache_timeout": TIME,
    "ipc_timeout": TIME,
    "daemon_timeout": TIME,
    "anvil_rate_time_unit": TIME,
    "maximal_queue_lifetime": TIME,
    "bounce_queue_lifetime": TIME,
    "smtpd_error_sleep_time": TIME,
    "smtpd_starttls_timeout": TIME,
    # enumerations
    "smtpd_sasl_type": _kind("choice", choices=("cyrus", "dovecot")),
    "smtpd_sasl_security_options": SASL_OPTIONS,
    "smtpd_sasl_tls_security_options": SASL_OPTIONS,
    "smtp_sasl_security_options": SASL_OPTIONS,
    "smtp_sasl_tls_security_options": SASL_OPTIONS,
    "inet_protocols": _kind("choice_list", choices=("all", "ipv4", "ipv6")),
    "smtpd_forbid_bare_newline": _kind("choice", choices=("yes", "no", "normalize", "reject")),
    "smtpd_forbid_unauth_pipelining": BOOL,
}


def has_expansion(value):
    """True when Postfix would expand $name or ${name...} in the value."""
    return "$" in value


def _check_bool(name, value, _spec):
    if value.lower() not in ("yes", "no"):
        return "bad boolean configuration: %s = %s (use yes or no)" % (name, value)
    return None


def _check_number(name, value, spec, limit):
    if not _INT_RE.match(value) or abs(int(value)) > limit:
        return "bad numerical configuration: %s = %s" % (name, value)
    number = int(value)
    minimum = spec.get("minimum")
    if minimum is not None and number < minimum:
        return "invalid %s parameter value %d < %d" % (name, number, minimum)
    return None


def _check_int(name, value, spec):
    return _check_number(name, value, spec, INT_MAX)


def _check_long(name, value, spec):
    return _check_number(name, value, spec, LONG_MAX)


def _check_time(name, value, _spec):
    match = _TIME_RE.match(value)
    bad = "parameter %s: bad time value or unit: %s (a number with an optional unit s, m, h, d or w)" % (name, value)
    if not match:
        return bad
    number = int(match.group(1))
    unit = match.group(2) or "s"
    if unit not in _TIME_UNITS or number * _TIME_UNITS[unit] > INT_MAX:
        return bad
    return None


def _check_tls_level(name, value, spec):
    if value == "":
        return None
    if value.lower() not in spec["levels"]:
        return 'parameter %s: Invalid TLS level "%s" (%s accepts %s)' % (
            name,
            value,
            spec["daemon"],
            ", ".join(spec["levels"]),
        )
    return None


def _protocol_word_ok(word):
    lowered = word.lower()
    for prefix in (">=", "<=", "!"):
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    return lowered in TLS_PROTOCOLS


def _check_tls_protocols(name, value, _spec):
    bad = [word for word in re.split(r"[ \t\n\v\f\r,:]+", value) if word and not _protocol_word_ok(word)]
    if bad:
        return 'parameter %s: Invalid TLS protocol list "%s": unknown protocol %s (Postfix would disable TLS)' % (
            name,
            value,
            ", ".join(bad),
        )
    return None


def _check_choice(name, value, spec):
    if value.lower() not in spec["choices"]:
        return "parameter %s: invalid value %r (expected one of %s)" % (name, value, ", ".join(spec["choices"]))
    return None


def _check_choice_list(name, value, spec):
    bad = [token for token in list_tokens(value) if token.lower() not in spec["choices"]]
    if bad:
        return 'parameter %s: unknown %s value "%s" in "%s" (known: %s)' % (
            name,
            name,
            bad[0],
            value,
            ", ".join(spec["choices"]),
        )
    return None


_CHECKS = {
    "bool": _check_bool,
    "int": _check_int,
    "long": _check_long,
    "time": _check_time,
    "tls_level": _check_tls_level,
    "tls_protocols": _check_tls_protocols,
    "choice": _check_choice,
    "choice_list": _check_choice_list,
}


def check_value(name, value, expanded=False):
    """Postfix's complaint about value for parameter name, or None when it is fine.

    value is the text as Postfix reads it (trimmed of ASCII white space). Values
    with $ references are skipped unless expanded is True. Unknown parameters
    are not checked.
    """
    spec = PARAM_TYPES.get(name)
    if spec is None or value is None:
        return None
    if not expanded and has_expansion(value):
        return None
    value = strip(value)
    problem = _CHECKS[spec["kind"]](name, value, spec)
    shown = shown_text(value)
    if problem and shown != value:
        problem = problem.replace(value, shown)
    return problem


def shown_text(text):
    """text with non-ASCII and control characters escaped, so a pasted U+00A0 is visible."""
    return "".join(
        char if " " <= char <= "~" else char.encode("unicode_escape", "backslashreplace").decode("ascii")
        for char in text
    )


def check_values(values, expanded=False):
    """name -> complaint for every value in values (name -> text) Postfix would refuse."""
    problems = {}
    for name, value in values.items():
        problem = check_value(name, value, expanded)
        if problem:
            problems[name] = problem
    return problems
