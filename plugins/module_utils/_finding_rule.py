# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The finding rule record, how one rule is evaluated, and the helpers rules share.

A ``Rule`` is one finding id as data: what it looks at (its scope), its severity (fixed,
per profile, or per case), a check that returns the facts of each hit, and the message and
fix as %-templates over those facts. ``Rule.evaluate(subject, ctx)`` turns the hits into
finding dicts ``{id, severity, service, message, fix}``, so a rule can be tested alone.
Pure, standard library only.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles

SEVERITIES = ("high", "medium", "low", "info")
# What a rule looks at: one listener, one certificate, the smtp client, the relay settings,
# or the whole postfix_info result.
SCOPES = ("listener", "certificate", "outbound", "relay", "global")
WEAK_PROTOCOLS = _profiles.LEGACY_PROTOCOLS


class Context(NamedTuple):
    """What every check may consult besides its subject."""

    info: dict
    profile: str
    listeners: list  # the audited listeners (loopback-only ones are not audited)
    by_name: dict  # service name -> audited listener

    @classmethod
    def of(cls, info, profile="intermediate"):
        listeners = [lst for lst in info.get("listeners") or [] if not lst.get("loopback")]
        return cls(info, profile, listeners, {lst["service"]: lst for lst in listeners})


class Rule(NamedTuple):
    """One finding id as data.

    ``severity``: a severity; or a mapping profile -> severity; or a mapping case ->
    (severity or profile mapping), the case named by the hit's ``case`` fact. None for a
    profile: the rule is not raised under it.
    ``check(subject, ctx)``: None when nothing is wrong, the facts of one hit as a dict
    (``{}`` when the scope's facts say it all), or a list of such dicts (empty: no hit).
    ``service`` in the facts overrides the scope's default.
    ``message``/``fix``: %-templates over the scope's facts (``service``; ``label`` of a
    listener; ``path``/``params`` of a certificate) and the hit's.
    ``title``/``help``: the check as the audit reports name it (SARIF rule, JUnit test case,
    HTML), whole sentences without per-host facts; given once per id.
    """

    id: str
    scope: str
    severity: Any
    check: Callable
    message: str
    fix: str
    title: str = ""
    help: str = ""

    def severity_for(self, profile, case=None):
        """The severity under ``profile`` for a hit of ``case``, or None when not raised."""
        severity = self.severity
        if isinstance(severity, dict) and case is not None:
            severity = severity[case]
        if isinstance(severity, dict):
            severity = severity[profile]
        return severity

    def hits(self, subject, ctx):
        """The facts of each hit on ``subject``: a list, empty when the rule holds."""
        result = self.check(subject, ctx)
        if result is None:
            return []
        return [result] if isinstance(result, dict) else list(result)

    def evaluate(self, subject, ctx):
        """The findings of this rule on ``subject``, in the catalogue's dict shape."""
        out = []
        for hit in self.hits(subject, ctx):
            severity = self.severity_for(ctx.profile, hit.get("case"))
            if severity is None:
                continue
            facts = Facts(self.scope, subject, hit)
            out.append(
                {
                    "id": self.id,
                    "severity": severity,
                    "service": facts["service"],
                    "message": self.message % facts,
                    "fix": self.fix % facts,
                }
            )
        return out


def per_profile(choose):
    """{profile: choose(profile)} for every profile: a severity derived from the profile table."""
    return {profile: choose(profile) for profile in _profiles.PROFILES}


# ---------------------------------------------------------------- helpers shared by rules


def version_tuple(version):
    """(major, minor, patch) of a version string; only ASCII digits count ("3.1\u00b2" is 3.1)."""
    parts = []
    for part in str(version or "").split(".")[:3]:
        digits = "".join(ch for ch in part if ch in "0123456789")
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def protocol_floor(info, minimum=_profiles.SAFE_FLOOR):
    """``>=TLSv1.2`` on Postfix 3.6+, the exclusion list on older versions."""
    version = version_tuple(info.get("version"))
    if version and version < (3, 6):
        excluded = list(_profiles.PROTOCOLS[: _profiles.PROTOCOLS.index(minimum)])
        return ", ".join("!" + name for name in excluded)
    return ">=" + minimum


def label(listener):
    """``submission (port 587)``, or the service name alone."""
    port = listener.get("port")
    name = listener.get("service")
    return "%s (port %s)" % (name, port) if port else name


def set_param(listener, param, value):
    """Where and how to set ``param``: the master.cf service if it overrides it there, else main.cf."""
    if (listener.get("origins") or {}).get(param) == "master.cf" or param in (listener.get("overrides") or {}):
        service = listener.get("settings_service") or listener.get("service")
        return "master.cf service %s: -o %s=%s" % (service, param, value)
    return "main.cf: %s = %s" % (param, value)


def is_public_smtp(listener):
    return listener.get("port") == 25


def weak(enabled):
    """The legacy protocols among ``enabled``."""
    return [p for p in enabled or [] if p in WEAK_PROTOCOLS]


def joined(items, empty):
    """``a, b`` or ``empty`` for an empty list."""
    return ", ".join(items or []) or empty


def map_type(info):
    """The table type to suggest: lmdb where this Postfix has it (postconf -m), else hash."""
    return "lmdb" if "lmdb" in (info.get("map_types") or []) else "hash"


def config_dir(info):
    return (info.get("config_dir") or "/etc/postfix").rstrip("/") or "/etc/postfix"


# ---------------------------------------------------------------- the facts of a hit

# The facts every rule of a scope may use in its templates, each computed from the subject
# when a template (or the finding's service) asks for it.
SCOPE_FACTS = {
    "listener": {"service": lambda lst: lst["service"], "label": label},
    "certificate": {
        "service": lambda cert: ", ".join(cert.get("used_by") or []),
        "path": lambda cert: cert.get("path"),
        "params": lambda cert: ", ".join(cert.get("params") or []),
    },
    "outbound": {"service": lambda _subject: "outbound"},
    "relay": {"service": lambda _subject: "outbound"},
    "global": {"service": lambda _subject: "main.cf"},
}


class Facts(dict):
    """A hit's facts, falling back to the scope's facts about the subject."""

    def __init__(self, scope, subject, hit):
        super().__init__(hit)
        self.scope = scope
        self.subject = subject

    def __missing__(self, key):
        if key not in SCOPE_FACTS[self.scope]:
            # a template naming a fact nobody provides: the rule's bug, not a malformed input
            raise ValueError("no fact %r for a %s rule" % (key, self.scope))
        value = SCOPE_FACTS[self.scope][key](self.subject)
        self[key] = value
        return value
