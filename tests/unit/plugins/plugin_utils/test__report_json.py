# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.json keeps the stated keys: generated, profile, hosts, findings with host, id, severity, service,
message and fix."""

import json

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _report_json, _report_model


def render(fleet, **kw):
    return json.loads(_report_json.render(_report_model.build(fleet, generated="2025-01-02T03:04:05Z", **kw)))


def test_top_level_keys(fleet):
    doc = render(fleet, profile="modern")
    assert {"generated", "profile", "hosts", "findings"} <= set(doc)
    assert doc["generated"] == "2025-01-02T03:04:05Z"
    assert doc["profile"] == "modern"
    assert doc["audit_fail_on"] == "high"
    assert doc["result"] == "fail"
    assert doc["schema_version"] == 1


def test_every_finding_has_the_stated_keys(fleet):
    doc = render(fleet)
    assert doc["findings"]
    for finding in doc["findings"]:
        assert {"host", "id", "severity", "service", "message", "fix"} <= set(finding)
        assert finding["severity"] in ("high", "medium", "low", "info")
        assert finding["host"] in {h["name"] for h in doc["hosts"]}


def test_hosts_list_every_host_with_its_status(fleet):
    doc = render(fleet)
    assert [(h["name"], h["status"]) for h in doc["hosts"]] == list(
        zip(fleet, ["audited", "audited", "unreachable", "failed"])
    )
    for host in doc["hosts"]:
        assert {"name", "status", "error", "result", "counts", "listeners", "myhostname"} <= set(host)
    assert doc["hosts"][1]["listeners"][0]["service"] == "smtp"


def test_values_from_servers_survive_unchanged(fleet):
    doc = render(fleet)
    legacy = doc["hosts"][0]
    assert legacy["myhostname"] == fleet[legacy["name"]]["postfix_info"]["myhostname"]
    assert legacy["banner"].endswith("\x1b[31m\x00")  # JSON escapes it; the data stays faithful


def test_empty_fleet():
    doc = render({})
    assert doc["hosts"] == [] and doc["findings"] == []
