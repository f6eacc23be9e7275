# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet model behind the audit reports (controller side, pure).

``build(fleet, ...)`` turns what the audit playbook registered per host (the
``mailsec.postfix.postfix_info`` result, or the unreachable/failed result in its
place) into one dict that every writer (``_report_json``, ``_report_junit``,
``_report_sarif``, ``_report_html``) renders. Findings come from
``_findings.findings``, the function behind the ``tls_findings`` filter, so the
reports and the text audit never disagree.

Everything taken from a server is plain ``str`` here (surrogates from
undecodable bytes replaced); the writers escape for their format.
"""

import re
from collections.abc import Mapping

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings

SEVERITIES = _findings.SEVERITIES
FAIL_ON = _findings.FAIL_ON
STATUSES = ("audited", "unreachable", "failed")
REPORT_FILES = ("findings.json", "findings.junit.xml", "findings.sarif", "report.html")
TOOL_NAME = "mailsec.postfix audit"
TOOL_URI = "https://github.com/mailsec/postfix"

severity_rank = _findings.severity_rank
is_blocking = _findings.is_blocking


def rule_text(fid):
    """(title, help) of a finding id from its rule; an id no rule has (a check added later) gets a
    generic text."""
    for rule in _findings.RULES:
        if rule.id == fid and rule.title:
            return (rule.title, rule.help)
    return (fid.replace("_", " ").capitalize(), "See the finding's message and fix.")


def check_ids(findings=()):
    """Every check the catalogue runs, then any id seen that it does not list (in order seen)."""
    ids = list(getattr(_findings, "FINDING_IDS", ()))
    for finding in findings:
        if finding["id"] not in ids:
            ids.append(finding["id"])
    return ids


_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text(value):
    """A plain ``str`` from anything a server returned; undecodable bytes become U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _SURROGATE.sub("\ufffd", str(value))


def printable(value):
    """``text`` without the control characters XML 1.0 cannot carry (shown as U+FFFD)."""
    return _XML_INVALID.sub("\ufffd", text(value))


def plain(value):
    """Deep copy into plain JSON types (str/int/float/bool/None/list/dict)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {text(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return text(value)


def _pairs(fleet):
    """(host, registered result) pairs from a mapping or a list of pairs / {host, result} dicts."""
    if isinstance(fleet, Mapping):
        return list(fleet.items())
    pairs = []
    for item in fleet or []:
        if isinstance(item, Mapping):
            pairs.append((item.get("host"), item.get("result")))
        else:
            host, result = item
            pairs.append((host, result))
    return pairs


def _status(result):
    """(status, error) of one host's registered postfix_info result."""
    if not isinstance(result, Mapping):
        return "failed", "no audit result for this host (it left the play before the audit ran)"
    if result.get("unreachable"):
        return "unreachable", text(result.get("msg") or "host unreachable")
    info = result.get("postfix_info")
    if result.get("skipped"):
        return "failed", text(result.get("skip_reason") or result.get("msg") or "the audit was skipped on this host")
    if not isinstance(info, Mapping) or "listeners" not in info:
        return "failed", text(result.get("msg") or "postfix_info returned no configuration")
    return "audited", ""


def _file_of(finding):
    """The configuration file the fix goes into."""
    return "master.cf" if finding.get("fix", "").startswith("master.cf") else "main.cf"


def _listener_view(lst):
    port = lst.get("port")
    return {
        "service": text(lst.get("service")),
        "settings_service": text(lst.get("settings_service")),
        "address": text(lst.get("host")),
        "port": port if isinstance(port, int) else None,
        "loopback": bool(lst.get("loopback")),
        "via": text(lst.get("via")),
        "tls_mode": text(lst.get("tls_mode")),
        "security_level": text(lst.get("security_level")),
        "protocols_param": text(lst.get("protocols_param")),
        "protocols": text(lst.get("protocols")),
        "ciphers_param": text(lst.get("ciphers_param")),
        "ciphers": text(lst.get("ciphers")),
        "sasl_enabled": bool(lst.get("sasl_enabled")),
    }


def _certificate_view(cert):
    keep = (
        "path",
        "used_by",
        "subject",
        "issuer",
        "sans",
        "not_after",
        "days_left",
        "key_type",
        "key_bits",
        "self_signed",
        "covers_hostname",
        "key_matches",
        "error",
    )
    return {key: plain(cert.get(key)) for key in keep if key in cert}


def _host(name, result, profile, fail_on):
    status, error = _status(result)
    host = {
        "name": text(name),
        "status": status,
        "error": error,
        "postfix_version": "",
        "myhostname": "",
        "banner": "",
        "config_dir": "",
        "source": "",
        "running": None,
        "listeners": [],
        "outbound": {},
        "certificates": [],
    }
    findings = []
    if status == "audited":
        info = result["postfix_info"]
        try:
            findings = plain(_findings.findings(info, profile=profile))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            host["status"], host["error"] = "failed", "malformed postfix_info (%r)" % (exc,)
        main = info.get("main") if isinstance(info.get("main"), Mapping) else {}
        outbound = info.get("outbound") if isinstance(info.get("outbound"), Mapping) else {}
        host.update(
            postfix_version=text(info.get("version")),
            myhostname=text(info.get("myhostname")),
            banner=text(main.get("smtpd_banner")),
            config_dir=text(info.get("config_dir") or "/etc/postfix"),
            source=text(info.get("source")),
            running=info.get("running") if isinstance(info.get("running"), bool) else None,
            listeners=[_listener_view(lst) for lst in info.get("listeners") or [] if isinstance(lst, Mapping)],
            outbound={
                "security_level": text(outbound.get("security_level")),
                "protocols_param": text(outbound.get("protocols_param")),
                "protocols": text(outbound.get("protocols")),
                "policy_maps": text(outbound.get("policy_maps")),
            },
            certificates=[_certificate_view(c) for c in info.get("certificates") or [] if isinstance(c, Mapping)],
        )
    config_dir = host["config_dir"] or "/etc/postfix"
    for finding in findings:
        finding.update(
            host=host["name"],
            blocking=is_blocking(finding["severity"], fail_on),
            file="%s/%s" % (config_dir.rstrip("/"), _file_of(finding)),
            title=rule_text(finding["id"])[0],
        )
    host["counts"] = {sev: sum(1 for f in findings if f["severity"] == sev) for sev in SEVERITIES}
    host["worst"] = next((sev for sev in SEVERITIES if host["counts"][sev]), None)
    host["blocking"] = sum(1 for f in findings if f["blocking"])
    if host["status"] != "audited":
        host["result"] = "not audited"
    else:
        host["result"] = "fail" if host["blocking"] else "pass"
    return host, findings


def build(fleet, profile="intermediate", fail_on="high", generated="", tool_version=""):
    """The report model for a fleet: ``{generated, profile, audit_fail_on, result, summary, hosts, findings}``.

    ``fleet`` maps each host of the play to what the audit registered for it (a
    ``postfix_info`` result, or an unreachable/failed result); a list of
    ``(host, result)`` pairs or ``{host, result}`` dicts is accepted too, in
    report order. ``result`` is ``fail`` when a host could not be audited or has a
    finding at or above ``fail_on``.
    """
    if profile not in _findings.PROFILES:
        raise ValueError("profile must be one of %s, got %r" % (", ".join(_findings.PROFILES), profile))
    if fail_on not in FAIL_ON:
        raise ValueError("audit_fail_on must be one of %s, got %r" % (", ".join(FAIL_ON), fail_on))
    hosts, findings = [], []
    for name, result in _pairs(fleet):
        host, host_findings = _host(name, result, profile, fail_on)
        hosts.append(host)
        findings.extend(host_findings)
    summary = {
        "hosts": len(hosts),
        "audited": sum(1 for h in hosts if h["status"] == "audited"),
        "unreachable": sum(1 for h in hosts if h["status"] == "unreachable"),
        "failed": sum(1 for h in hosts if h["status"] == "failed"),
        "passing": sum(1 for h in hosts if h["result"] == "pass"),
        "findings": {sev: sum(h["counts"][sev] for h in hosts) for sev in SEVERITIES},
        "blocking": sum(h["blocking"] for h in hosts),
    }
    return {
        "generated": text(generated),
        "tool": {"name": TOOL_NAME, "version": text(tool_version), "uri": TOOL_URI},
        "profile": profile,
        "audit_fail_on": fail_on,
        "result": "pass" if summary["passing"] == summary["hosts"] else "fail",
        "summary": summary,
        "checks": [{"id": fid, "title": rule_text(fid)[0], "help": rule_text(fid)[1]} for fid in check_ids(findings)],
        "hosts": hosts,
        "findings": findings,
    }


def groups(host, findings):
    """A host's findings grouped by listener: ``[(label, listener or None, [findings])]``.

    Every non-loopback listener gets a group (possibly empty), in master.cf order; then
    the other places findings name (``outbound``, ``main.cf``, certificates shared by
    several listeners), in order seen.
    """
    mine = [f for f in findings if f["host"] == host["name"]]
    out = []
    seen = set()
    for lst in host["listeners"]:
        if lst["loopback"] or lst["service"] in seen:
            continue
        seen.add(lst["service"])
        where = (lst["address"] + ":" if lst["address"] else "") + (str(lst["port"]) if lst["port"] else "")
        label = "%s (port %s)" % (lst["service"], where) if where else lst["service"]
        out.append((label, lst, [f for f in mine if f["service"] == lst["service"]]))
    for finding in mine:
        if finding["service"] in seen:
            continue
        seen.add(finding["service"])
        out.append((finding["service"], None, [f for f in mine if f["service"] == finding["service"]]))
    return out
