# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.audit_report (documentation: audit_report.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.plugin_utils import (
    _report_html,
    _report_json,
    _report_junit,
    _report_model,
    _report_sarif,
)

WRITERS = {
    "findings.json": _report_json.render,
    "findings.junit.xml": _report_junit.render,
    "findings.sarif": _report_sarif.render,
    "report.html": _report_html.render,
}


def audit_report(fleet, profile="intermediate", fail_on="high", generated="", tool_version=""):
    """``{file name: content}`` of the four fleet reports for the audit results of every host."""
    if not isinstance(fleet, (Mapping, list, tuple)):
        raise AnsibleFilterError(
            f"audit_report: expected a dict of host -> registered postfix_info result, got {type(fleet).__name__}"
        )
    try:
        model = _report_model.build(
            fleet, profile=profile, fail_on=fail_on, generated=generated, tool_version=tool_version
        )
    except ValueError as exc:
        raise AnsibleFilterError(f"audit_report: {exc}") from exc
    return {name: WRITERS[name](model) for name in _report_model.REPORT_FILES}


class FilterModule:
    def filters(self):
        return {"audit_report": audit_report}
