# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.junit.xml parses; a testsuite per host, a testcase per check; failures follow audit_fail_on."""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _report_junit, _report_model


def render(fleet, **kw):
    text = _report_junit.render(_report_model.build(fleet, generated="2025-01-02T03:04:05Z", **kw))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def suites(root):
    return {s.get("name"): s for s in root.findall("testsuite")}


def test_parses_with_a_suite_per_host(fleet):
    root = render(fleet)
    assert root.tag == "testsuites"
    assert list(suites(root)) == list(fleet)


def test_a_testcase_per_check_passing_ones_too(fleet):
    root = render(fleet)
    for name in list(fleet)[:2]:
        cases = suites(root)[name].findall("testcase")
        assert [c.get("name") for c in cases] == list(_findings.FINDING_IDS)
        assert all(c.get("classname") == name for c in cases)
    clean = suites(root)["mx.example.org"]
    assert clean.get("failures") == "0"
    assert not clean.findall("testcase/failure")


@pytest.mark.parametrize("fail_on", ["high", "medium", "low", "info", "never"])
def test_failures_are_the_checks_with_findings_at_or_above_fail_on(fleet, fail_on):
    model = _report_model.build(fleet, fail_on=fail_on)
    root = render(fleet, fail_on=fail_on)
    legacy_name = next(iter(fleet))
    legacy = suites(root)[legacy_name]
    failing = {c.get("name") for c in legacy.findall("testcase") if c.find("failure") is not None}
    expected = {f["id"] for f in model["findings"] if f["host"] == legacy_name and f["blocking"]}
    assert failing == expected
    if fail_on == "never":
        assert not failing
    else:
        assert failing
    assert legacy.get("failures") == str(len(failing))
    assert legacy.get("tests") == str(len(_findings.FINDING_IDS))
    for case in legacy.findall("testcase"):
        failure = case.find("failure")
        if failure is not None:
            assert failure.get("type") in ("high", "medium", "low", "info")
            assert "fix: " in failure.text
        out = case.find("system-out")
        if out is not None:  # findings below the threshold are reported, not failed
            assert "below audit_fail_on=" in out.text
    totals = root.attrib
    assert int(totals["failures"]) == sum(int(s.get("failures")) for s in root.findall("testsuite"))
    assert int(totals["tests"]) == sum(int(s.get("tests")) for s in root.findall("testsuite"))


def test_hosts_not_audited_are_errors_not_clean_suites(fleet):
    root = render(fleet)
    for name, kind in (("mx3.example.org", "unreachable"), ("mx4.example.org", "failed")):
        suite = suites(root)[name]
        assert suite.get("errors") == "1"
        (case,) = suite.findall("testcase")
        error = case.find("error")
        assert error is not None and error.get("type") == kind
        assert "not audited" in error.get("message")
    assert root.get("errors") == "2"


def test_hostile_values_and_control_characters_still_parse(fleet):
    root = render(fleet)
    legacy = suites(root)[next(iter(fleet))]
    props = {p.get("name"): p.get("value") for p in legacy.iter("property")}
    assert "<script>" in props["myhostname"]  # text again after parsing: it was escaped
    assert not list(root.iter("script"))
