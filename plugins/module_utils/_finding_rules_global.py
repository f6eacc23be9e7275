# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding rules over the whole postfix_info result: SASL sockets, key-exchange groups,
obsolete parameters and VRFY.

The subject is the postfix_info dict itself. Pure, standard library only.
"""

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import Rule

# Key-exchange groups every profile allows, by the lower-case OpenSSL names (the profile table's
# list plus the hybrid group); FFDHE groups stay at Postfix's default of ffdhe2048 and ffdhe3072.
ALLOWED_EC_GROUPS = tuple(name.lower() for name in (_profiles.HYBRID_GROUP, *_profiles.KEY_GROUPS))
ALLOWED_FFDHE_GROUPS = _profiles.FFDHE_GROUPS
GROUP_ALIASES = {"p-256": "prime256v1", "secp256r1": "prime256v1", "p-384": "secp384r1", "p-521": "secp521r1"}
# OpenSSL's spelling, for messages and fixes (Postfix before 3.10 matches names case-sensitively).
GROUP_SPELLING = {"x25519mlkem768": "X25519MLKEM768", "x25519": "X25519", "x448": "X448"}


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


def _spelled(names):
    return [GROUP_SPELLING.get(name, name) for name in names]


def _sasl_socket_unreachable(info, ctx):
    hits = []
    for sock in info.get("sasl_sockets") or []:
        if sock.get("reachable") is not False:
            continue
        hits.append(
            {
                "service": ", ".join(sock.get("services") or []),
                "type": sock.get("type") or "dovecot",
                "path": sock.get("path"),
            }
        )
    return hits


def _key_exchange_groups_excluded(info, ctx):
    exchange = info.get("key_exchange") or {}
    ec_value = exchange.get("tls_eecdh_auto_curves")
    ffdhe_value = exchange.get("tls_ffdhe_auto_groups")
    if ec_value is None:
        return None
    excluded = [g for g in group_names(ec_value) if g not in ALLOWED_EC_GROUPS]
    excluded += [g for g in group_names(ffdhe_value) if g not in ALLOWED_FFDHE_GROUPS]
    if not excluded:
        return None
    allowed = [g for g in group_names(ec_value) if g in ALLOWED_EC_GROUPS]
    allowed = allowed or [name.lower() for name in _profiles.KEY_GROUPS]
    return {
        "ec": ec_value,
        "ffdhe": "" if ffdhe_value is None else " and tls_ffdhe_auto_groups = %s" % (ffdhe_value or "(empty)"),
        "excluded": ", ".join(_spelled(excluded)),
        "profile": ctx.profile,
        "allowed": " ".join(_spelled(allowed)),
    }


def _deprecated_hit(entry):
    param = entry.get("parameter")
    where = entry.get("service") or "main.cf"
    replacement = entry.get("replacement")
    if where == "main.cf":
        change = "main.cf: remove %s" % param
    else:
        change = "master.cf service %s: remove -o %s" % (where, param)
    if replacement:
        change += " (%s governs)" % replacement
    return {
        "service": where,
        "param": param,
        "value": entry.get("value"),
        "overridden": ": %s overrides it" % replacement if replacement else "",
        "change": change,
    }


def _deprecated_parameter(info, ctx):
    return [_deprecated_hit(entry) for entry in info.get("deprecated") or []]


def _vrfy_enabled(info, ctx):
    return None if info.get("disable_vrfy_command") else {}


RULES = (
    Rule(
        "sasl_socket_unreachable",
        "global",
        "high",
        _sasl_socket_unreachable,
        "AUTH on %(service)s goes to the %(type)s SASL socket %(path)s, and nothing accepts connections there: "
        "smtpd cannot list AUTH mechanisms ('fatal: no SASL authentication mechanisms') and drops the client, "
        "so no one can submit mail.",
        "start Dovecot (systemctl start dovecot) and give its auth service a unix_listener at %(path)s "
        "(mode 0660, user and group postfix), the path smtpd_sasl_path names",
        title="Nothing answers on the SASL socket",
        help=(
            "smtpd cannot list AUTH mechanisms and drops clients that try to authenticate. Start the SASL server "
            "(Dovecot) or point smtpd_sasl_path at the socket it listens on."
        ),
    ),
    Rule(
        "key_exchange_groups_excluded",
        "global",
        # interop reports them, without asking to act on them
        {"interop": "info", "intermediate": "low", "modern": "low"},
        _key_exchange_groups_excluded,
        "tls_eecdh_auto_curves = %(ec)s%(ffdhe)s enables %(excluded)s, which the %(profile)s profile excludes "
        "(Mozilla's lists: "
        + ", ".join(_profiles.KEY_GROUPS)
        + "; "
        + _profiles.HYBRID_GROUP
        + " where Postfix 3.10+ and OpenSSL 3.5+ support it). "
        "Scanners that check those lists fail every listener on this point; no peer needs them, "
        "since TLS 1.3 makes secp256r1 (prime256v1) mandatory to implement.",
        "main.cf: tls_eecdh_auto_curves = %(allowed)s",
        title="Key-exchange groups outside the profile are enabled",
        help=(
            "Set main.cf: tls_eecdh_auto_curves to the groups the profile allows (X25519, prime256v1, secp384r1; "
            "X25519MLKEM768 where supported)."
        ),
    ),
    Rule(
        "deprecated_parameter",
        "global",
        "low",
        _deprecated_parameter,
        "%(param)s = %(value)s is obsolete%(overridden)s; postconf warns about such parameters from Postfix 3.9 on, "
        "and the value can mislead readers about what is in force.",
        "%(change)s",
        title="An obsolete parameter is set",
        help="Remove the parameter; the finding names the parameter that governs instead.",
    ),
    Rule(
        "vrfy_enabled",
        "global",
        "low",
        _vrfy_enabled,
        "disable_vrfy_command = no: the VRFY command lets anyone probe which addresses exist (address harvesting).",
        "main.cf: disable_vrfy_command = yes",
        title="The VRFY command is enabled",
        help="VRFY lets anyone probe which addresses exist. Set main.cf: disable_vrfy_command = yes.",
    ),
)
