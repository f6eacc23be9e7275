# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding rules over the smtp client (``postfix_info.outbound``): TLS level, DANE, protocols.

Every finding here has the service ``outbound``. Pure, standard library only.
"""

import ipaddress

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import Rule, protocol_floor, weak

# smtp_tls_security_level values (global or per destination) at which the *_mandatory_* settings apply.
OUTBOUND_MANDATORY_LEVELS = ("encrypt", "dane", "dane-only", "fingerprint", "verify", "secure")
DANE_LEVELS = ("dane", "dane-only")
# systemd-resolved's stub listener: it sets the AD bit only with DNSSEC=yes (Debian's default is no).
RESOLVED_STUB = "127.0.0.53"


def outbound_set(outbound, param, value):
    """Where and how to set an smtp client parameter: the smtp/unix service if it overrides it there."""
    if param in (outbound.get("overrides") or {}):
        return "master.cf service smtp/unix: -o %s=%s" % (param, value)
    return "main.cf: %s = %s" % (param, value)


def _is_loopback_address(address):
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _mandatory_settings_ignored(outbound, ctx):
    ignored = outbound.get("mandatory_settings_ignored") or {}
    if not ignored or outbound.get("tls_mandatory"):
        return None
    policy = outbound.get("policy_maps")
    return {
        # with a policy table the settings may apply to some destinations
        "case": "policy_table" if policy else "everywhere",
        "level": outbound.get("security_level"),
        "policy": ", which is set: %s" % policy if policy else "",
        "settings": ", ".join("%s = %s" % (k, v) for k, v in sorted(ignored.items())),
        "floor": protocol_floor(ctx.info),
    }


def _outbound_tls_disabled(outbound, ctx):
    if outbound.get("security_level") != "none":
        return None
    policy = outbound.get("policy_maps")
    return {
        "source": outbound.get("security_level_source") or "smtp_tls_security_level",
        "except": " (except destinations with their own level in smtp_tls_policy_maps = %s)" % policy if policy else "",
        "set": outbound_set(outbound, "smtp_tls_security_level", "may"),
    }


def _dane_without_dnssec(outbound, ctx):
    level = outbound.get("security_level")
    if level not in DANE_LEVELS or outbound.get("dns_support_level", "dnssec") == "dnssec":
        return None
    return {
        "case": level,
        "level": level,
        "dns": outbound.get("dns_support_level") or "(empty)",
        "effect": "every destination is invalid, so all outbound mail is deferred"
        if level == "dane-only"
        else "Postfix downgrades every destination to 'may': TLSA records are never looked up",
        "set": outbound_set(outbound, "smtp_dns_support_level", "dnssec"),
    }


def _resolver_problem(servers):
    """(case, why) for the nameservers the smtp client asks, or None when all are on this host."""
    remote = [ns for ns in servers if not _is_loopback_address(ns)]
    if remote:
        return (
            "remote",
            "names the resolver(s) %s, which are not on this host: Postfix believes the AD (authenticated data) "
            "bit in their answers, which crossed the network unprotected, or was never set because they do not "
            "validate" % ", ".join(remote),
        )
    if any(ns == RESOLVED_STUB for ns in servers):
        return (
            "resolved_stub",
            "names %s, the stub of systemd-resolved, which sets the AD bit only when resolved.conf says "
            "DNSSEC=yes (Debian's default is no), so TLSA records would count as unsigned" % RESOLVED_STUB,
        )
    return None


def _dane_without_validating_resolver(outbound, ctx):
    """DANE trusts the AD bit of the resolver; only a validating resolver on this host is trustworthy."""
    resolver = ctx.info.get("resolver")
    level = outbound.get("security_level")
    if level not in DANE_LEVELS or not resolver or resolver.get("error"):
        return None
    problem = _resolver_problem(resolver.get("nameservers") or [])
    if problem is None:
        return None
    return {"case": problem[0], "level": level, "path": resolver["path"], "why": problem[1]}


def _mandatory_destinations(level, policy):
    if level in OUTBOUND_MANDATORY_LEVELS and level != "dane":
        return "every destination (smtp_tls_security_level = %s)" % level
    which = ["TLSA records under smtp_tls_security_level = dane"] if level == "dane" else []
    if policy:
        which.append("encrypt/verify/secure entries in smtp_tls_policy_maps = %s" % policy)
    return "destinations with a mandatory level (%s)" % " and ".join(which)


def _outbound_mandatory_weak_protocols(outbound, ctx):
    level = outbound.get("security_level")
    policy = outbound.get("policy_maps")
    uses_mandatory = outbound.get("tls_mandatory") or level in OUTBOUND_MANDATORY_LEVELS or bool(policy)
    found = weak(outbound.get("mandatory_protocols_enabled"))
    if not uses_mandatory or not found:
        return None
    floor = protocol_floor(ctx.info, _profiles.min_protocol(ctx.profile, "outbound_mandatory"))
    return {
        "where": _mandatory_destinations(level, policy),
        "value": outbound.get("mandatory_protocols") or "(default)",
        "weak": ", ".join(found),
        "set": outbound_set(outbound, "smtp_tls_mandatory_protocols", floor),
    }


RULES = (
    Rule(
        "mandatory_settings_ignored",
        "outbound",
        {"policy_table": "low", "everywhere": "medium"},
        _mandatory_settings_ignored,
        "The smtp client runs at smtp_tls_security_level = %(level)s: "
        "Postfix uses smtp_tls_protocols and smtp_tls_ciphers there, not smtp_tls_mandatory_protocols/ciphers; "
        "the mandatory ones apply only at encrypt or higher "
        "(globally or per destination in smtp_tls_policy_maps%(policy)s). Ignored here: %(settings)s.",
        "main.cf: smtp_tls_protocols = %(floor)s (opportunistic); "
        "for known peers add smtp_tls_policy_maps entries with 'encrypt' or 'secure'",
        # title and help: the listener rule of the same id (one check in the reports)
    ),
    Rule(
        "outbound_tls_disabled",
        "outbound",
        "medium",
        _outbound_tls_disabled,
        "The smtp client runs at smtp_tls_security_level = none (decided by %(source)s): it never issues STARTTLS, "
        "so mail to servers that offer TLS leaves in plaintext%(except)s.",
        "%(set)s (or dane, with smtp_dns_support_level = dnssec and a validating resolver on loopback)",
        title="The smtp client never uses TLS",
        help=(
            "At smtp_tls_security_level = none, mail leaves in plaintext even to servers that offer TLS. Set main.cf: "
            "smtp_tls_security_level = may (or dane)."
        ),
    ),
    Rule(
        "dane_without_dnssec",
        "outbound",
        {"dane-only": "high", "dane": "medium"},
        _dane_without_dnssec,
        "smtp_tls_security_level = %(level)s, but smtp_dns_support_level = %(dns)s: "
        "DANE needs DNSSEC lookups, and without them %(effect)s "
        "(Postfix logs '%(level)s configured with dnssec lookups disabled').",
        "%(set)s (with a DNSSEC-validating resolver on loopback in resolv.conf)",
        title="DANE is configured without DNSSEC lookups",
        help="DANE needs DNSSEC lookups. Set main.cf: smtp_dns_support_level = dnssec.",
    ),
    Rule(
        "dane_without_validating_resolver",
        "outbound",
        {"remote": "medium", "resolved_stub": "low"},
        _dane_without_validating_resolver,
        "smtp_tls_security_level = %(level)s, and %(path)s (the resolv.conf the smtp client reads) %(why)s.",
        "run a DNSSEC-validating resolver on this host (e.g. unbound) and put only 'nameserver 127.0.0.1' in "
        "/etc/resolv.conf (Debian copies it into the Postfix chroot when Postfix starts)",
        title="DANE without a local validating resolver",
        help=(
            "DANE needs a DNSSEC-validating resolver the smtp client trusts (on the loopback address). Run one locally "
            "and list it in resolv.conf."
        ),
    ),
    Rule(
        "outbound_mandatory_weak_protocols",
        "outbound",
        "medium",
        _outbound_mandatory_weak_protocols,
        "Mandatory outbound TLS for %(where)s uses smtp_tls_mandatory_protocols = %(value)s, "
        "which still allows %(weak)s: a peer that TLS is required for may still negotiate it.",
        "%(set)s",
        title="Mandatory outbound TLS still allows TLS 1.0/1.1",
        help=(
            "Destinations that require TLS may still negotiate a legacy protocol. Set main.cf: "
            "smtp_tls_mandatory_protocols = >=TLSv1.2."
        ),
    ),
)
