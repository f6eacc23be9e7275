# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding rules over one smtpd listener (a master.cf inet service with its settings in force).

Each check takes the listener dict of ``postfix_info`` and a ``Context``; see
``_finding_rule.Rule``. Pure, standard library only.
"""

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import (
    Rule,
    config_dir,
    is_public_smtp,
    joined,
    map_type,
    per_profile,
    protocol_floor,
    set_param,
    weak,
)

UNAUTH_DESTINATION = ("reject_unauth_destination", "defer_unauth_destination")
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


def _plaintext_auth(lst):
    """AUTH is offered before TLS: neither smtpd_tls_auth_only nor mandatory TLS."""
    return not lst.get("tls_auth_only") and not lst.get("tls_mandatory")


def _tls_offered(lst):
    return lst.get("tls_mode") != "none"


# ---------------------------------------------------------------- SASL AUTH


def _auth_on_public_smtp(lst, ctx):
    if lst.get("sasl_enabled") and is_public_smtp(lst):
        return {"disable": set_param(lst, "smtpd_sasl_auth_enable", "no")}
    return None


def _auth_without_tls(lst, ctx):
    if lst.get("sasl_enabled") and _plaintext_auth(lst):
        return {"level": lst.get("security_level")}
    return None


def _sasl_anonymous_allowed(lst, ctx):
    if not lst.get("sasl_enabled"):
        return None
    plain = lst.get("sasl_security_options") or []
    tls = lst.get("sasl_tls_security_options") or []
    missing = [
        param
        for param, options in (("smtpd_sasl_security_options", plain), ("smtpd_sasl_tls_security_options", tls))
        if "noanonymous" not in options
    ]
    if not missing:
        return None
    # The plain set only matters where AUTH is offered before TLS.
    in_force = "smtpd_sasl_tls_security_options" in missing or _plaintext_auth(lst)
    return {
        "case": "in_force" if in_force else "before_tls_only",
        "missing": " and ".join(missing),
        "plain": joined(plain, "(empty)"),
        "tls": joined(tls, "(empty)"),
        "set_plain": set_param(lst, "smtpd_sasl_security_options", "noanonymous, noplaintext"),
        "set_tls": set_param(lst, "smtpd_sasl_tls_security_options", "noanonymous"),
    }


def _submission_tls_optional(lst, ctx):
    if lst.get("sasl_enabled") and not is_public_smtp(lst) and not lst.get("tls_mandatory"):
        return {"level": lst.get("security_level")}
    return None


# ---------------------------------------------------------------- protocols and ciphers


def _protocol_facts(lst, found):
    return {
        "param": lst.get("protocols_param"),
        "value": lst.get("protocols"),
        "weak": ", ".join(found),
        "level": lst.get("security_level"),
    }


def _weak_protocols_mandatory(lst, ctx):
    found = weak(lst.get("protocols_enabled"))
    if not _tls_offered(lst) or not found or not lst.get("tls_mandatory"):
        return None
    floor = protocol_floor(ctx.info, _profiles.min_protocol(ctx.profile, "mandatory"))
    return dict(
        _protocol_facts(lst, found),
        enforced="wrapper mode" if lst.get("tls_mode") == "wrapper" else "level encrypt",
        set=set_param(lst, lst.get("protocols_param") or "smtpd_tls_mandatory_protocols", floor),
    )


def _weak_protocols_opportunistic(lst, ctx):
    found = weak(lst.get("protocols_enabled"))
    if not _tls_offered(lst) or not found or lst.get("tls_mandatory"):
        return None
    floor = protocol_floor(ctx.info)
    return dict(
        _protocol_facts(lst, found),
        set=set_param(lst, lst.get("protocols_param") or "smtpd_tls_protocols", floor),
    )


def _anonymous_ciphers(lst, ctx):
    if not _tls_offered(lst) or lst.get("anonymous_ciphers_excluded", True):
        return None
    return {
        "case": "mandatory" if lst.get("tls_mandatory") else "opportunistic",
        "param": lst.get("ciphers_param"),
        "value": lst.get("ciphers"),
        "exclude_params": " / ".join(lst.get("exclude_params") or []),
        "excluded": joined(lst.get("exclude_ciphers"), "nothing excluded"),
        "set": set_param(lst, "smtpd_tls_exclude_ciphers", ", ".join(_profiles.ANONYMOUS_EXCLUDE)),
    }


def _mandatory_settings_ignored(lst, ctx):
    ignored = lst.get("mandatory_settings_ignored") or {}
    if not ignored or lst.get("tls_mandatory"):
        return None
    return {
        "level": lst.get("security_level"),
        "settings": ", ".join("%s = %s" % (k, v) for k, v in sorted(ignored.items())),
        "set_protocols": set_param(lst, "smtpd_tls_protocols", protocol_floor(ctx.info)),
        "set_exclude": set_param(lst, "smtpd_tls_exclude_ciphers", ", ".join(_profiles.ANONYMOUS_EXCLUDE)),
    }


def _tls12_on_modern_submission(lst, ctx):
    """Where the profile's mandatory floor is TLS 1.3; TLS 1.0/1.1 there is weak_protocols_mandatory's job."""
    enabled = lst.get("protocols_enabled") or []
    minimum = _profiles.min_protocol(ctx.profile, "mandatory")
    if minimum != "TLSv1.3" or not lst.get("tls_mandatory") or is_public_smtp(lst):
        return None
    if "TLSv1.2" not in enabled or weak(enabled):
        return None
    return {
        "param": lst.get("protocols_param"),
        "value": lst.get("protocols"),
        "set": set_param(
            lst, lst.get("protocols_param") or "smtpd_tls_mandatory_protocols", protocol_floor(ctx.info, minimum)
        ),
    }


# ---------------------------------------------------------------- port 25 and relaying


def _no_starttls(lst, ctx):
    if not is_public_smtp(lst):
        return None
    if _tls_offered(lst) and lst.get("has_certificate"):
        return None
    if not _tls_offered(lst):
        why = "smtpd_tls_security_level = %s (from %s)" % (lst.get("security_level"), lst.get("security_level_source"))
    else:
        why = "no certificate is configured (smtpd_tls_chain_files / smtpd_tls_cert_file empty), so smtpd disables TLS"
    return {"why": why, "set": set_param(lst, "smtpd_tls_security_level", "may")}


def _relay_safe(restrictions):
    """A restriction list that stops unauthenticated relaying on its own."""
    for item in restrictions or []:
        if item in UNAUTH_DESTINATION or item in ("reject", "defer"):
            return True
        if item == "permit":
            return False
    return False


def _open_relay_risk(lst, ctx):
    if _relay_safe(lst.get("client_restrictions")) and "permit" not in (lst.get("client_restrictions") or []):
        # e.g. "permit_sasl_authenticated, reject": unauthenticated clients never get to RCPT
        return None
    if _relay_safe(lst.get("relay_restrictions")) or _relay_safe(lst.get("recipient_restrictions")):
        return None
    return {
        "relay": joined(lst.get("relay_restrictions"), "empty"),
        "recipient": joined(lst.get("recipient_restrictions"), "empty"),
        "set": set_param(
            lst, "smtpd_relay_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
        ),
    }


# ---------------------------------------------------------------- sender binding


def _binds_sender(restrictions):
    """Whether a list applies a sender/login check to authenticated clients (before a permit ends it)."""
    for item in restrictions or []:
        if item in SENDER_BINDING:
            return True
        if item in ("permit", "permit_sasl_authenticated"):
            return False
    return False


def _sender_binding_why(maps, enforced):
    if not maps and not enforced:
        return (
            "smtpd_sender_login_maps is empty and no restriction list applies reject_sender_login_mismatch "
            "(or reject_authenticated_sender_login_mismatch)"
        )
    if not maps:
        return (
            "%s applies a sender login check, but smtpd_sender_login_maps is empty: "
            "there is no table of which login owns which address to check against" % " and ".join(enforced)
        )
    return (
        "smtpd_sender_login_maps = %s says which login owns which address, but none of %s applies "
        "reject_sender_login_mismatch (or reject_authenticated_sender_login_mismatch) before a permit ends the list, "
        "so the table is never enforced" % (maps, ", ".join(param for param, _key in SENDER_BINDING_LISTS))
    )


def _sender_binding_fix(lst, table, maps, enforced):
    options = []
    if not maps:
        options.append("-o smtpd_sender_login_maps=%s" % table)
    if not enforced:
        restrictions = ["reject_sender_login_mismatch", *(lst.get("sender_restrictions") or [])]
        options.append("-o smtpd_sender_restrictions=%s" % ",".join(restrictions))
    service = lst.get("settings_service") or "%s/inet" % lst["service"]
    fix = "master.cf service %s: %s" % (service, " ".join(options))
    if not maps:
        fix += (
            " (one line per address or @domain with the login(s) that may use it, e.g. 'alice@example.com alice'; "
            "then postmap %s)" % table
        )
    return fix


def _submission_without_sender_binding(lst, ctx):
    if not lst.get("sasl_enabled") or is_public_smtp(lst) or "sender_login_maps" not in lst:
        # port 25 with AUTH is auth_on_public_smtp; no sender_login_maps key: an older postfix_info result
        return None
    maps = lst.get("sender_login_maps") or ""
    enforced = [param for param, key in SENDER_BINDING_LISTS if _binds_sender(lst.get(key))]
    if maps and enforced:
        return None
    table = "%s:%s/sender_logins" % (map_type(ctx.info), config_dir(ctx.info))
    return {"why": _sender_binding_why(maps, enforced), "change": _sender_binding_fix(lst, table, maps, enforced)}


# ---------------------------------------------------------------- the table, in catalogue order

RULES = (
    Rule(
        "auth_on_public_smtp",
        "listener",
        "high",
        _auth_on_public_smtp,
        "SASL AUTH is offered on %(label)s, the server-to-server MX port. "
        "smtpd_sasl_auth_enable in main.cf applies to every smtpd service; "
        "AUTH on port 25 invites password guessing and mixes MUA submission with MX traffic.",
        "%(disable)s; "
        "enable AUTH only in the submission/submissions services (master.cf: -o smtpd_sasl_auth_enable=yes)",
        title="SASL AUTH is offered on port 25",
        help=(
            "AUTH on the server-to-server MX port invites password guessing and mixes mail submission with MX traffic. "
            "Set main.cf: smtpd_sasl_auth_enable = no and enable AUTH only in the submission/submissions services "
            "(master.cf: -o smtpd_sasl_auth_enable=yes)."
        ),
    ),
    Rule(
        "auth_without_tls",
        "listener",
        "high",
        _auth_without_tls,
        "%(label)s advertises AUTH before STARTTLS: "
        "smtpd_tls_auth_only = no and smtpd_tls_security_level = %(level)s (not encrypt, no wrapper mode), "
        "so passwords can cross the network in plaintext.",
        "main.cf: smtpd_tls_auth_only = yes "
        "(and for submission: master.cf service %(service)s: -o smtpd_tls_security_level=encrypt)",
        title="AUTH is offered before TLS",
        help=(
            "Passwords can cross the network in plaintext. Set main.cf: smtpd_tls_auth_only = yes, and for submission "
            "master.cf: -o smtpd_tls_security_level=encrypt."
        ),
    ),
    Rule(
        "sasl_anonymous_allowed",
        "listener",
        # The plain set alone lacking noanonymous matters only where AUTH comes before TLS.
        {"in_force": "high", "before_tls_only": "low"},
        _sasl_anonymous_allowed,
        "%(missing)s lacks noanonymous on %(label)s "
        "(smtpd_sasl_security_options = %(plain)s; smtpd_sasl_tls_security_options = %(tls)s). "
        "These are lists: setting e.g. 'noplaintext' replaces the default 'noanonymous', "
        "and smtpd_sasl_tls_security_options inherits $smtpd_sasl_security_options, "
        "so anonymous SASL mechanisms become acceptable.",
        "%(set_plain)s; %(set_tls)s",
        title="Anonymous SASL mechanisms are acceptable",
        help=(
            "The SASL security option lists replace their default, so noanonymous must stay in them. Set "
            "smtpd_sasl_security_options = noanonymous, noplaintext and smtpd_sasl_tls_security_options = noanonymous."
        ),
    ),
    Rule(
        "submission_tls_optional",
        "listener",
        "medium",
        _submission_tls_optional,
        "%(label)s offers AUTH but does not require TLS (smtpd_tls_security_level = %(level)s, no wrapper mode): "
        "clients may submit mail in plaintext, and a MITM can strip STARTTLS.",
        "master.cf service %(service)s: -o smtpd_tls_security_level=encrypt (port 465: -o smtpd_tls_wrappermode=yes)",
        title="A submission listener does not require TLS",
        help=(
            "Clients may submit mail in plaintext and a man in the middle can strip STARTTLS. Set master.cf: -o "
            "smtpd_tls_security_level=encrypt on submission (587), -o smtpd_tls_wrappermode=yes on submissions (465)."
        ),
    ),
    Rule(
        "weak_protocols_mandatory",
        "listener",
        "high",
        _weak_protocols_mandatory,
        "%(label)s enforces TLS (%(enforced)s), so Postfix uses %(param)s = %(value)s, which still allows %(weak)s. "
        "'!SSLv2, !SSLv3' excludes only SSL; TLS 1.0/1.1 stay enabled.",
        "%(set)s",
        title="Mandatory TLS still allows TLS 1.0/1.1",
        help=(
            "'!SSLv2, !SSLv3' excludes only SSL. Set the protocol parameter in force (smtpd_tls_mandatory_protocols) to"
            " >=TLSv1.2 (Postfix 3.6+) or '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1'."
        ),
    ),
    Rule(
        "weak_protocols_opportunistic",
        "listener",
        # info where the profile keeps legacy protocols on port 25 on purpose (interop)
        per_profile(lambda profile: "info" if _profiles.allows_legacy(profile, "opportunistic") else "medium"),
        _weak_protocols_opportunistic,
        "%(label)s uses opportunistic TLS (level %(level)s), so Postfix applies %(param)s = %(value)s, "
        "which allows %(weak)s. "
        "Peers that cannot do better fall back to plaintext if refused, which the interop profile accepts.",
        "%(set)s",
        title="Opportunistic TLS allows legacy protocols",
        help=(
            "At security level may, Postfix uses smtpd_tls_protocols, not the mandatory parameter. Set "
            "smtpd_tls_protocols = >=TLSv1.2 unless the interop profile is wanted."
        ),
    ),
    Rule(
        "anonymous_ciphers",
        "listener",
        {"mandatory": "high", "opportunistic": "medium"},
        _anonymous_ciphers,
        "%(label)s offers anonymous (aNULL) cipher suites: "
        "the cipher grade in force (%(param)s = %(value)s) starts with 'aNULL:-aNULL' by design, "
        "and 'high' does not remove them. "
        "Only %(exclude_params)s removes aNULL (currently: %(excluded)s). "
        "Clients that accept them get no server authentication (MITM).",
        "%(set)s (applies at every security level, also to postscreen/tlsproxy)",
        title="Anonymous (aNULL) cipher suites are offered",
        help=(
            "Cipher grades start with aNULL by design; only the exclusion parameters remove it. Set "
            "smtpd_tls_exclude_ciphers = aNULL, eNULL."
        ),
    ),
    Rule(
        "mandatory_settings_ignored",
        "listener",
        "medium",
        _mandatory_settings_ignored,
        "On %(label)s (smtpd_tls_security_level = %(level)s) the *_mandatory_* settings do nothing: "
        "at smtpd_tls_security_level=%(level)s Postfix uses smtpd_tls_protocols, not smtpd_tls_mandatory_protocols "
        "(and smtpd_tls_ciphers, not smtpd_tls_mandatory_ciphers); "
        "the mandatory ones apply only at level encrypt or in wrapper mode. "
        "Ignored here, while the opportunistic parameters that do apply are left at their defaults: %(settings)s.",
        "%(set_protocols)s; %(set_exclude)s",
        title="*_mandatory_* TLS settings have no effect at this level",
        help=(
            "The mandatory parameters apply only at level encrypt or in wrapper mode. Set the opportunistic parameters "
            "that are in force (smtpd_tls_protocols, smtpd_tls_exclude_ciphers; smtp_tls_protocols outbound)."
        ),
    ),
    Rule(
        "no_starttls",
        "listener",
        "medium",
        _no_starttls,
        "%(label)s does not offer STARTTLS: %(why)s. Mail from other servers travels in plaintext.",
        "%(set)s; main.cf: smtpd_tls_chain_files = /path/key.pem, /path/fullchain.pem",
        title="Port 25 does not offer STARTTLS",
        help=(
            "Mail from other servers travels in plaintext. Set smtpd_tls_security_level = may and configure a "
            "certificate (smtpd_tls_chain_files)."
        ),
    ),
    Rule(
        "open_relay_risk",
        "listener",
        "high",
        _open_relay_risk,
        "On %(label)s, neither smtpd_relay_restrictions (%(relay)s) nor smtpd_recipient_restrictions (%(recipient)s) "
        "ends unauthenticated relaying with reject_unauth_destination/defer_unauth_destination (or a final reject).",
        "%(set)s",
        title="Unauthenticated relaying is not refused",
        help=(
            "Neither smtpd_relay_restrictions nor smtpd_recipient_restrictions ends with reject_unauth_destination. Set"
            " smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination."
        ),
    ),
    Rule(
        "tls12_on_modern_submission",
        "listener",
        "low",
        _tls12_on_modern_submission,
        "%(label)s enforces TLS, so Postfix uses %(param)s = %(value)s, which allows TLS 1.2; "
        "the modern profile asks for TLS 1.3 only on the submission listeners (every current mail client speaks it).",
        "%(set)s",
        title="Submission allows TLS 1.2 under the modern profile",
        help=(
            "The modern profile asks for TLS 1.3 only on the submission listeners. Set the mandatory protocol parameter"
            " in force to >=TLSv1.3."
        ),
    ),
    Rule(
        "submission_without_sender_binding",
        "listener",
        {"interop": "info", "intermediate": "info", "modern": "low"},
        _submission_without_sender_binding,
        "%(label)s offers AUTH but does not tie the envelope sender to the login: %(why)s. "
        "Any authenticated user, or anyone with one stolen password, can send as any address, "
        "another user's or another domain's.",
        "%(change)s",
        title="A logged-in user can send as any address",
        help=(
            "Bind SASL logins to their addresses on the submission services: -o "
            "smtpd_sender_login_maps=hash:/etc/postfix/sender_logins and -o "
            "smtpd_sender_restrictions=reject_sender_login_mismatch (role: postfix_hardening_sender_logins)."
        ),
    ),
)
