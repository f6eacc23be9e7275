# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter wrapper: the four fixed file names from one model, bad options as filter errors."""

import json
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter.audit_report import FilterModule, audit_report

UNREACHABLE = {"unreachable": True, "msg": "ssh: connect to host mx2 port 22: Connection refused"}


def test_four_files_from_one_run():
    out = audit_report({"mx2": UNREACHABLE}, generated="2025-01-02T03:04:05Z")
    assert list(out) == ["findings.json", "findings.junit.xml", "findings.sarif", "report.html"]
    assert json.loads(out["findings.json"])["generated"] == "2025-01-02T03:04:05Z"
    assert ET.fromstring(out["findings.junit.xml"].encode()).get("errors") == "1"
    assert json.loads(out["findings.sarif"])["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "2025-01-02T03:04:05Z" in out["report.html"]


@pytest.mark.parametrize("kw", [{"profile": "bogus"}, {"fail_on": "sometimes"}])
def test_bad_options_are_filter_errors(kw):
    with pytest.raises(AnsibleFilterError, match="audit_report"):
        audit_report({}, **kw)


def test_wrong_input_type_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="expected a dict"):
        audit_report("mx1")


def test_registered_as_audit_report():
    assert FilterModule().filters()["audit_report"] is audit_report
