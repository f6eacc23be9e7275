# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.sarif: SARIF 2.1.0 for code-scanning dashboards.

One run; its rules are the finding ids (short description, help text with the
generic fix, a security-severity for GitHub); each result has level
error (high), warning (medium) or note (low, info), its exact fix in the message
and in ``properties.fix``, a physical location naming the host and the file the
fix goes into (``HOST/etc/postfix/main.cf``, a repository-relative reference as
GitHub code scanning requires) and a logical location ``HOST/SERVICE``. Hosts
that could not be audited are error notifications of the invocation, which is
then not successful.
"""

import hashlib
import json
import re
from urllib.parse import quote

from ansible_collections.mailsec.postfix.plugins.plugin_utils._report_model import severity_rank

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads properties.security-severity (a CVSS-like score as a string).
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_UTC = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\Z", re.ASCII)


def _uri(host, path):
    """``host/etc/postfix/main.cf``, percent-encoded, as a relative URI reference."""
    return quote(host, safe="") + "/" + quote(path.lstrip("/"), safe="/")


def _fingerprint(finding):
    key = "\0".join((finding["host"], finding["id"], finding["service"]))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _rule(check, findings):
    mine = [f for f in findings if f["id"] == check["id"]]
    worst = min((f["severity"] for f in mine), key=severity_rank, default=None)
    fixes = []
    for finding in mine:
        if finding["fix"] not in fixes:
            fixes.append(finding["fix"])
    help_text = check["help"]
    if fixes:
        help_text += "\n\nFixes in this run:\n" + "\n".join("- " + fix for fix in fixes)
    rule = {
        "id": check["id"],
        "name": "".join(part.capitalize() for part in check["id"].split("_")),
        "shortDescription": {"text": check["title"]},
        "fullDescription": {"text": check["help"]},
        "help": {"text": help_text},
        "properties": {"tags": ["security", "postfix", "tls"], "precision": "very-high"},
    }
    if worst:
        rule["defaultConfiguration"] = {"level": LEVELS.get(worst, "note")}
        rule["properties"]["security-severity"] = SECURITY_SEVERITY.get(worst, "0.0")
    return rule


def _result(finding, rule_index):
    return {
        "ruleId": finding["id"],
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding["severity"], "note"),
        "message": {
            "text": "%s, %s: %s Fix: %s" % (finding["host"], finding["service"], finding["message"], finding["fix"])
        },
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": _uri(finding["host"], finding["file"])}},
                "logicalLocations": [
                    {
                        "name": finding["service"],
                        "fullyQualifiedName": "%s/%s" % (finding["host"], finding["service"]),
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"mailsecPostfixFinding/v1": _fingerprint(finding)},
        "properties": {
            "host": finding["host"],
            "service": finding["service"],
            "severity": finding["severity"],
            "fix": finding["fix"],
            "blocking": finding["blocking"],
        },
    }


def render(model):
    findings = model["findings"]
    rules = [_rule(check, findings) for check in model["checks"]]
    index = {rule["id"]: idx for idx, rule in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": "%s was not audited (%s): %s" % (h["name"], h["status"], h["error"])},
            "descriptor": {"id": "host-%s" % h["status"]},
            "locations": [{"logicalLocations": [{"name": h["name"], "kind": "resource"}]}],
        }
        for h in model["hosts"]
        if h["status"] != "audited"
    ]
    invocation = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if _UTC.match(model["generated"]):
        invocation["endTimeUtc"] = model["generated"]
    driver = {"name": model["tool"]["name"], "informationUri": model["tool"]["uri"], "rules": rules}
    if model["tool"]["version"]:
        driver["version"] = model["tool"]["version"]
    run = {
        "tool": {"driver": driver},
        "automationDetails": {"id": "mailsec.postfix/audit/%s/" % model["profile"]},
        "invocations": [invocation],
        "results": [_result(f, index[f["id"]]) for f in findings],
        "properties": {
            "profile": model["profile"],
            "auditFailOn": model["audit_fail_on"],
            "result": model["result"],
            "hosts": [
                {"name": h["name"], "status": h["status"], "result": h["result"], "counts": h["counts"]}
                for h in model["hosts"]
            ],
        },
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
