# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding rules over the smtp client's relay login (``postfix_info.relay``, issue 19).

The TLS level towards each relayhost next hop, the SASL security options of the client,
and the files of smtp_sasl_password_maps. An older postfix_info result has no ``relay``
key: these rules then judge nothing. Every finding here has the service ``outbound``.
Pure, standard library only.
"""

from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import Rule, config_dir, map_type

# TLS levels (smtp_tls_security_level or a policy-table entry) at which the relay credentials may
# leave in plaintext, and why. encrypt, secure, verify, fingerprint and dane-only never talk to the
# relay without TLS; "dane" is here: without usable TLSA records it is "may". Any other word is no
# level Postfix knows, and the smtp client then defers the mail instead of sending it.
RELAY_OPTIONAL_LEVELS = {
    "none": "the client never issues STARTTLS there",
    "may": "STARTTLS is used only when the relay offers it, and a man in the middle can strip that offer",
    "dane": "without DNSSEC-signed TLSA records for the relay, 'dane' means 'may': "
    "TLS stays optional and the certificate unchecked",
}
# Map types that postmap builds (the fix for a table entry then includes running postmap).
BUILT_MAP_TYPES = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm")
# What each kind of password-map file is, for the message.
FILE_ROLES = {
    "source": "the source file of",
    "map": "the database postmap built for",
    "table": "the table file of",
    "config": "the client configuration (with its database password) of",
}


def relay_postconf(relay, param, value):
    """The postconf command that sets an smtp client parameter where it is in force."""
    if (relay.get("origins") or {}).get(param) == "master.cf":
        return "postconf -P 'smtp/unix/%s=%s'" % (param, value)
    return "postconf -e '%s = %s'" % (param, value)


def _table_type(spec):
    """``hash`` of ``hash:/etc/postfix/tls_policy`` (``proxy`` for a proxied table: nothing to build here)."""
    return (spec or "").split(":", 1)[0].lower()


def _mode_bits(mode):
    try:
        return int(mode or "0", 8)
    except (TypeError, ValueError):
        return 0


# ---------------------------------------------------------------- TLS towards the relay


def _decided_by_entry(dest, nexthop, level, entry):
    """(decided by, change, table) when the next hop's policy-table entry set the level."""
    table = (dest.get("policy") or [{}])[-1].get("map") or "smtp_tls_policy_maps"
    decided = "the entry '%s %s' in the TLS policy table %s" % (nexthop, level, table)
    change = "change that entry in %s to '%s' (or '%s secure' to verify the relay's certificate too)" % (
        table,
        entry,
        nexthop,
    )
    return decided, change, table


def _decided_by_level(dest, relay, info, level, entry):
    """(decided by, change, table) when smtp_tls_security_level set it (no policy entry)."""
    maps = relay.get("policy_maps") or []
    source = dest.get("tls_level_source") or "smtp_tls_security_level"
    decided = "smtp_tls_security_level = %s%s, since %s" % (
        level,
        "" if source == "smtp_tls_security_level" else " (from %s)" % source,
        "smtp_tls_policy_maps (%s) has no entry for it" % ", ".join(maps)
        if maps
        else "smtp_tls_policy_maps is not set",
    )
    nexthop = dest.get("nexthop")
    if maps:
        table = maps[0]
        change = "add the line '%s' (or '%s secure' to verify the relay's certificate too) to %s" % (
            entry,
            nexthop,
            table,
        )
    else:
        table = "%s:%s/tls_policy" % (map_type(info), config_dir(info))
        postconf = relay_postconf(relay, "smtp_tls_policy_maps", table)
        change = "%s; echo '%s' >> %s/tls_policy" % (postconf, entry, config_dir(info))
    return decided, change, table


def _relay_tls_hit(dest, relay, info):
    level = dest.get("tls_level")
    if level not in RELAY_OPTIONAL_LEVELS:
        # mandatory, unknown (the table was not consulted) or no level at all (Postfix defers)
        return None
    nexthop = dest.get("nexthop")
    entry = "%s encrypt" % nexthop
    if dest.get("tls_level_source") == "smtp_tls_policy_maps":
        decided, change, table = _decided_by_entry(dest, nexthop, level, entry)
    else:
        decided, change, table = _decided_by_level(dest, relay, info, level, entry)
    if _table_type(table) in BUILT_MAP_TYPES:
        change += "; postmap %s" % table
    return {
        "nexthop": nexthop,
        "level": level,
        "decided": decided,
        "why": RELAY_OPTIONAL_LEVELS[level],
        "change": change,
    }


def _relay_auth_without_mandatory_tls(relay, ctx):
    if not relay.get("sasl_auth_enable"):
        return []
    # without a relayhost the destinations are unknown: no TLS judgement then
    hits = (_relay_tls_hit(dest, relay, ctx.info) for dest in relay.get("destinations") or [])
    return [hit for hit in hits if hit]


# ---------------------------------------------------------------- SASL options and password files


def _relay_sasl_anonymous_allowed(relay, ctx):
    if not relay.get("sasl_auth_enable"):
        return None
    plain = relay.get("sasl_security_options") or []
    tls = relay.get("sasl_tls_security_options") or []
    missing = [
        param
        for param, options in (("smtp_sasl_security_options", plain), ("smtp_sasl_tls_security_options", tls))
        if "noanonymous" not in options
    ]
    if not missing:
        return None
    relayhost = relay.get("relayhost")
    fixes = []
    if "smtp_sasl_security_options" in missing:
        fixes.append(relay_postconf(relay, "smtp_sasl_security_options", "noplaintext, noanonymous"))
    if "smtp_sasl_tls_security_options" in missing:
        fixes.append(relay_postconf(relay, "smtp_sasl_tls_security_options", "noanonymous"))
    return {
        "target": "the relayhost %s" % relayhost
        if relayhost
        else "any server for which smtp_sasl_password_maps has an entry (no relayhost is set)",
        "missing": " and ".join(missing),
        "plain": ", ".join(plain) or "(empty)",
        "tls": ", ".join(tls) or "(empty)",
        "changes": "; ".join(fixes),
    }


def _relay_sasl_no_mechanism(relay, ctx):
    client = relay.get("sasl_client")
    if not relay.get("sasl_auth_enable") or not isinstance(client, dict):
        return None  # no login, another SASL type, or no plugin directory to judge by
    found = client.get("mechanisms") or []
    if [mech for mech in found if mech != "ANONYMOUS"]:
        return None
    relayhost = relay.get("relayhost")
    return {
        "target": "the relayhost %s" % relayhost
        if relayhost
        else "the servers smtp_sasl_password_maps has entries for",
        "dirs": ", ".join(client.get("dirs") or []),
        "found": ", ".join(found) or "none",
    }


def _file_problems(item):
    """Why a password-map file leaks (empty: it does not)."""
    uid = item.get("uid")
    foreign = uid != 0 if uid is not None else item.get("owner") not in (None, "root")
    problems = []
    if item.get("readable_by_others") or _mode_bits(item.get("mode")) & 0o044:
        readers = "every local user" if _mode_bits(item.get("mode")) & 0o004 else "group %s" % item.get("group")
        problems.append("its mode %s lets %s read it" % (item.get("mode"), readers))
    if foreign:
        problems.append("it belongs to %s, not root, so that account can read and replace it" % item.get("owner"))
    return problems


def _relay_password_map_readable(relay, ctx):
    hits = []
    for table in relay.get("password_maps") or []:
        for item in table.get("files") or []:
            if not item.get("exists") or item.get("regular") is False:
                continue  # a missing file is Postfix's error to report, not a leak
            problems = _file_problems(item)
            if problems:
                hits.append(
                    {
                        "file": item.get("path"),
                        "role": FILE_ROLES.get(item.get("role"), "a file of"),
                        "map": table.get("map"),
                        "problems": " and ".join(problems),
                    }
                )
    return hits


RULES = (
    Rule(
        "relay_auth_without_mandatory_tls",
        "relay",
        "high",
        _relay_auth_without_mandatory_tls,
        "The smtp client logs in to the relayhost %(nexthop)s (smtp_sasl_auth_enable = yes), "
        "but the TLS level for that next hop is '%(level)s', decided by %(decided)s: %(why)s, "
        "so the relay login and password can cross the network in plaintext.",
        "%(change)s; postfix reload "
        "(mandatory TLS for the relay only: smtp_tls_security_level stays as it is for other destinations)",
        title="The relay login can be sent without TLS",
        help=(
            "smtp_sasl_auth_enable = yes while TLS to the relayhost is only opportunistic, so a stripped STARTTLS sends"
            " the password in plaintext. Make TLS mandatory for the relay alone: a TLS policy table entry '[relay]:587 "
            "encrypt' (or secure) in smtp_tls_policy_maps, then postmap the table."
        ),
    ),
    Rule(
        "relay_sasl_anonymous_allowed",
        "relay",
        "medium",
        _relay_sasl_anonymous_allowed,
        "The smtp client authenticates to %(target)s, and %(missing)s lacks noanonymous "
        "(smtp_sasl_security_options = %(plain)s; smtp_sasl_tls_security_options = %(tls)s, "
        "the set used once TLS is up, which inherits $smtp_sasl_security_options by default). "
        "These lists replace Postfix's default 'noplaintext, noanonymous', so the client accepts "
        "an anonymous SASL mechanism when the server, or a man in the middle rewriting its EHLO reply, offers one, "
        "and the mail leaves without the relay account's authentication.",
        "%(changes)s; postfix reload",
        title="The SMTP client accepts anonymous SASL towards the relay",
        help=(
            "The smtp_sasl_*security_options lists replace their defaults, so noanonymous must stay in them. Set "
            "smtp_sasl_security_options = noplaintext, noanonymous and smtp_sasl_tls_security_options = noanonymous."
        ),
    ),
    Rule(
        "relay_sasl_no_mechanism",
        "relay",
        "high",
        _relay_sasl_no_mechanism,
        "The smtp client logs in to %(target)s (smtp_sasl_auth_enable = yes) through Cyrus SASL, but no "
        "client mechanism it could log in with is installed (plugins in %(dirs)s: %(found)s): the login fails with "
        "'SASL authentication failure: No worthy mechs found' and the mail for it is deferred.",
        "install the Cyrus SASL mechanism plugins (Debian: apt-get install libsasl2-modules, which holds PLAIN and "
        "LOGIN), then postqueue -f to retry the deferred mail",
        title="The SMTP client has no SASL mechanism for the relay login",
        help=(
            "Postfix's smtp client logs in through Cyrus SASL, whose PLAIN and LOGIN mechanisms are a package of "
            "their own (Debian: libsasl2-modules, which postfix only recommends). Without one the relay login "
            "fails and mail is deferred. Install it."
        ),
    ),
    Rule(
        "relay_password_map_readable",
        "relay",
        "high",
        _relay_password_map_readable,
        "%(file)s, %(role)s %(map)s (smtp_sasl_password_maps), holds the relay login and password in clear text, "
        "but %(problems)s.",
        "chown root:root %(file)s && chmod 0600 %(file)s "
        "(Postfix opens the table before it enters the chroot and drops privileges, so root alone needs to read it)",
        title="The relay password map is readable by others",
        help=(
            "The map holds the relay password in clear. Make its source and built file root-owned and 0600: chown "
            "root:root FILE FILE.db; chmod 0600 FILE FILE.db (or .lmdb)."
        ),
    ),
)
