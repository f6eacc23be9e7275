# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Catalogue of TLS/SASL findings over a ``postfix_info`` result.

Pure: ``findings(info, profile)`` returns a list of
``{id, severity, service, message, fix}``. Ids are stable (tests, users and
the role's assertions rely on them). ``message`` says why in Postfix terms,
``fix`` names the parameter, where to set it (main.cf or the master.cf
service) and the value.

Each finding comes from a rule (``_finding_rule.Rule``) in one of the tables
``_finding_rules_{listener,cert,outbound,relay,global}.py``; ``findings`` runs
them in the fixed order of ``RULE_GROUPS``. What the profiles expect is in
``_profiles.py``, shared with the role's baseline.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailsec.postfix.plugins.module_utils import (
    _finding_rules_cert,
    _finding_rules_global,
    _finding_rules_listener,
    _finding_rules_outbound,
    _finding_rules_relay,
    _profiles,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import (
    SEVERITIES,
    WEAK_PROTOCOLS,
    Context,
    Rule,
    protocol_floor,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rules_global import (
    ALLOWED_EC_GROUPS,
    ALLOWED_FFDHE_GROUPS,
    GROUP_ALIASES,
    GROUP_SPELLING,
    group_names,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rules_listener import (
    SENDER_BINDING,
    SENDER_BINDING_LISTS,
    UNAUTH_DESTINATION,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rules_outbound import (
    OUTBOUND_MANDATORY_LEVELS,
    RESOLVED_STUB,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rules_relay import (
    BUILT_MAP_TYPES,
    RELAY_OPTIONAL_LEVELS,
)

__all__ = (
    "ALLOWED_EC_GROUPS",
    "ALLOWED_FFDHE_GROUPS",
    "BUILT_MAP_TYPES",
    "FAIL_ON",
    "FINDING_IDS",
    "GROUP_ALIASES",
    "GROUP_SPELLING",
    "OUTBOUND_MANDATORY_LEVELS",
    "PROFILES",
    "RELAY_OPTIONAL_LEVELS",
    "RESOLVED_STUB",
    "RULES",
    "RULE_GROUPS",
    "SENDER_BINDING",
    "SENDER_BINDING_LISTS",
    "SEVERITIES",
    "UNAUTH_DESTINATION",
    "WEAK_PROTOCOLS",
    "Context",
    "Rule",
    "findings",
    "group_names",
    "is_blocking",
    "protocol_floor",
    "rule",
    "severity_rank",
    "subjects",
)

PROFILES = _profiles.PROFILES
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


# The stable catalogue, in the order reports list their checks.
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
    "relay_sasl_no_mechanism",
    "relay_password_map_readable",
    "submission_without_sender_binding",
)

# (scope, rules) in the order findings() runs them; within a scope, every rule for one subject
# before the next subject. Only the relative order of findings with the same id can show in the
# sorted output, and each rule sees its subjects in postfix_info's order.
RULE_GROUPS = (
    ("listener", _finding_rules_listener.RULES),
    ("outbound", _finding_rules_outbound.RULES),
    ("relay", _finding_rules_relay.RULES),
    ("certificate", _finding_rules_cert.RULES),
    ("global", _finding_rules_global.RULES),
)
RULES = tuple(rule for _scope, rules in RULE_GROUPS for rule in rules)


def rule(fid, scope=None):
    """The rule for a finding id (``scope`` picks one of the two mandatory_settings_ignored rules)."""
    matches = [r for r in RULES if r.id == fid and scope in (None, r.scope)]
    if len(matches) != 1:
        raise KeyError("%d rules match id %r in scope %r" % (len(matches), fid, scope))
    return matches[0]


def subjects(scope, ctx):
    """What the rules of ``scope`` look at, in postfix_info's order."""
    info = ctx.info
    if scope == "listener":
        return ctx.listeners
    if scope == "certificate":
        return info.get("certificates") or []
    if scope == "outbound":
        return [info.get("outbound") or {}]
    if scope == "relay":
        relay = info.get("relay")
        return [relay] if relay else []  # an older postfix_info result: nothing to judge
    return [info]


def findings(info, profile="intermediate"):
    """All findings for a postfix_info result, most severe first."""
    if profile not in PROFILES:
        raise ValueError("profile must be one of %s, got %r" % (", ".join(PROFILES), profile))
    ctx = Context.of(info, profile)
    out = []
    for scope, rules in RULE_GROUPS:
        for subject in subjects(scope, ctx):
            for each in rules:
                out.extend(each.evaluate(subject, ctx))
    return sorted(out, key=lambda f: (severity_rank(f["severity"]), f["service"], f["id"]))
