# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.junit.xml: one testsuite per host, one testcase per check, for CI systems.

A check with a finding at or above ``audit_fail_on`` is a ``<failure>``; a check
whose findings are all below it passes, and lists them in ``<system-out>``; a
check without findings passes. A host that could not be audited (unreachable,
module failure) is one testcase with an ``<error>``, never a clean suite.
"""

import xml.etree.ElementTree as ET

from ansible_collections.mailsec.postfix.plugins.plugin_utils._report_model import printable


def _describe(finding):
    return "[%s] %s: %s\nfix: %s" % (
        finding["severity"].upper(),
        printable(finding["service"]),
        printable(finding["message"]),
        printable(finding["fix"]),
    )


def _suite(parent, host, findings, model):
    suite = ET.SubElement(parent, "testsuite", name=printable(host["name"]), hostname=printable(host["name"]))
    suite.set("timestamp", printable(model["generated"]))
    props = ET.SubElement(suite, "properties")
    for key, value in (
        ("profile", model["profile"]),
        ("audit_fail_on", model["audit_fail_on"]),
        ("status", host["status"]),
        ("postfix_version", host["postfix_version"]),
        ("myhostname", host["myhostname"]),
    ):
        ET.SubElement(props, "property", name=key, value=printable(value))
    tests = failures = errors = 0
    if host["status"] != "audited":
        case = ET.SubElement(suite, "testcase", name="audited", classname=printable(host["name"]), time="0")
        error = ET.SubElement(case, "error", type=host["status"])
        error.set("message", printable("%s: not audited (%s)" % (host["name"], host["status"])))
        error.text = printable(host["error"])
        tests, errors = 1, 1
    else:
        mine = [f for f in findings if f["host"] == host["name"]]
        for check in model["checks"]:
            hits = [f for f in mine if f["id"] == check["id"]]
            case = ET.SubElement(
                suite, "testcase", name=printable(check["id"]), classname=printable(host["name"]), time="0"
            )
            tests += 1
            blocking = [f for f in hits if f["blocking"]]
            if blocking:
                failures += 1
                worst = blocking[0]["severity"]
                failure = ET.SubElement(case, "failure", type=worst)
                failure.set(
                    "message",
                    printable(
                        "%s (%s) on %s: %s"
                        % (check["id"], worst, ", ".join(f["service"] for f in blocking), check["title"])
                    ),
                )
                failure.text = "\n\n".join(_describe(f) for f in blocking)
            rest = [f for f in hits if not f["blocking"]]
            if rest:
                out = ET.SubElement(case, "system-out")
                out.text = "below audit_fail_on=%s:\n\n%s" % (
                    model["audit_fail_on"],
                    "\n\n".join(_describe(f) for f in rest),
                )
    for key, value in (("tests", tests), ("failures", failures), ("errors", errors), ("skipped", 0)):
        suite.set(key, str(value))
    suite.set("time", "0")
    return tests, failures, errors


def render(model):
    root = ET.Element("testsuites", name="mailsec.postfix audit (profile %s)" % model["profile"])
    totals = [0, 0, 0]
    for host in model["hosts"]:
        counts = _suite(root, host, model["findings"], model)
        totals = [a + b for a, b in zip(totals, counts)]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
