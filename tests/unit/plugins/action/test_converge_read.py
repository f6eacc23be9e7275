# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action converge_read around a canned postfix_info result: one module call with the parts'
files, the decision against the returned record, the gate, the refusals, no secret passed on.
(tests/integration/test_converge_read_real.py runs it with ansible-playbook over real postconf.)"""

import copy
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.mailsec.postfix.plugins.action import converge_read
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _converge, _role_read

POLICY = "/etc/postfix/tls_policy"
DROPIN = "/etc/dovecot/conf.d/99-mailsec-postfix-auth.conf"
FINDINGS = [
    {"id": "weak", "severity": "high", "service": "smtp", "message": "Weak."},
    {"id": "note", "severity": "info", "service": "smtp", "message": "Note."},
]
ROLE_VARS = {"p_profile": "intermediate", "p_password": "Top-Secret-1", "p_sasl_path": "private/auth"}


def info(**changes):
    base = {
        "myhostname": "mx.example.org",
        "version": "3.7.11",
        "running": True,
        "config_fingerprints": {"main.cf": "m", "master.cf": "s"},
        "certificate_files": [],
        "certificates": [],
        "fingerprints": {POLICY: "p", DROPIN: "d"},
        "sasl_sockets": [{"reachable": True}],
        "record": None,
    }
    base.update(changes)
    return base


def args(**changes):
    base = {
        "state_file": "/var/lib/mailsec-postfix/etc_postfix.json",
        "code_root": "/nonexistent-role",
        "secret_inputs": ["p_password"],
        "parts": {
            "dovecot": {"inputs": ["p_sasl_path"], "files": [DROPIN]},
            "config": {"inputs": ["p_profile", "p_password"], "files": [POLICY]},
        },
        "converge": {"sasl_backend": "dovecot"},
        "audit": {"profile": "intermediate", "fail_on": "high"},
        "dns": {"ttl": 3600},
    }
    base.update(changes)
    return base


def run(task_args, read, *, check_mode=False, monkeypatch):
    task = MagicMock(args=task_args, check_mode=check_mode, async_val=0, action="mailsec.postfix.converge_read")
    connection = MagicMock()
    connection._shell.tmpdir = "/tmp/remote"
    templar = MagicMock()
    templar.resolve_variable_expression.side_effect = ROLE_VARS.__getitem__
    action = converge_read.ActionModule(task, connection, MagicMock(), None, templar, None)
    calls = []

    def execute_module(module_name, module_args, task_vars):
        calls.append((module_name, copy.deepcopy(module_args)))
        return {"changed": False, "postfix_info": copy.deepcopy(read), "invocation": {"module_args": module_args}}

    monkeypatch.setattr(action, "_execute_module", execute_module)
    monkeypatch.setattr(
        _role_read,
        "audit",
        lambda i, enabled, profile, fail_on: (
            (FINDINGS, [f for f in FINDINGS if f["severity"] == "high"]) if enabled else ([], [])
        ),
    )
    monkeypatch.setattr(_role_read, "dns_records", lambda i, options: {"tlsa": [], "srv": []})
    return action.run(task_vars=dict(ROLE_VARS)), calls


def recorded(monkeypatch, task_args=None):
    """A read whose record is what this read's converge would write."""
    first, _calls = run(task_args or args(), info(), monkeypatch=monkeypatch)
    return info(record=first["record"])


def test_one_module_call_with_the_parts_files_and_the_record(monkeypatch):
    result, calls = run(args(), info(), monkeypatch=monkeypatch)
    assert calls == [
        (
            "mailsec.postfix.postfix_info",
            {
                "config_dir": "/etc/postfix",
                "fingerprint": [DROPIN, POLICY],
                "record": "/var/lib/mailsec-postfix/etc_postfix.json",
            },
        )
    ]
    assert "invocation" not in result
    assert result["plan"]["due"] == ["dovecot", "config"] and result["plan"]["full"]
    assert result["record"]["format"] == 2 and set(result["record"]["parts"]) == {"dovecot", "config"}
    assert result["findings"] == FINDINGS and not result.get("failed")  # a converge follows: no gate yet


def test_the_secret_is_not_passed_on(monkeypatch):
    result, calls = run(args(), info(), monkeypatch=monkeypatch)
    assert "Top-Secret-1" not in repr(result) + repr(calls)


def test_a_matching_record_is_the_fast_path_and_the_gate_judges_it(monkeypatch):
    result, _calls = run(args(), recorded(monkeypatch), monkeypatch=monkeypatch)
    assert result["plan"]["due"] == []
    assert result["failed"] and result["msg"] == (
        "Findings at or above postfix_hardening_audit_fail_on=high: weak@smtp (high): Weak."
    )
    checked, _calls = run(args(), recorded(monkeypatch), check_mode=True, monkeypatch=monkeypatch)
    assert checked["blocking"] and not checked.get("failed")
    off = args(audit={"enabled": False})
    quiet, _calls = run(off, recorded(monkeypatch, off), monkeypatch=monkeypatch)
    assert quiet["findings"] == [] and not quiet.get("failed")


def test_dovecot_not_managed_is_no_part(monkeypatch):
    no_dovecot = args(converge={"sasl_backend": "none"})
    result, calls = run(no_dovecot, info(sasl_sockets=[]), monkeypatch=monkeypatch)
    assert calls[0][1]["fingerprint"] == [POLICY]
    assert result["plan"]["due"] == ["config"] and set(result["record"]["parts"]) == {"config"}


def test_a_changed_variable_makes_its_part_due(monkeypatch):
    read = recorded(monkeypatch)
    ROLE_VARS["p_sasl_path"] = "private/other"
    try:
        result, _calls = run(args(), read, monkeypatch=monkeypatch)
    finally:
        ROLE_VARS["p_sasl_path"] = "private/auth"
    assert result["plan"]["due"] == ["dovecot", "config"]
    assert result["plan"]["why"]["dovecot"] == ["Dovecot settings or the Dovecot drop-in differ from the last converge"]


def test_a_failed_read_is_the_tasks_failure(monkeypatch):
    task = MagicMock(args=args(), check_mode=False, async_val=0)
    action = converge_read.ActionModule(task, MagicMock(), MagicMock(), None, MagicMock(), None)
    monkeypatch.setattr(
        action, "_execute_module", lambda **kw: {"failed": True, "msg": "config_dir /x is not a directory"}
    )
    result = action.run(task_vars={})
    assert result["failed"] and result["msg"] == "config_dir /x is not a directory" and "plan" not in result


@pytest.mark.parametrize(
    "converge,check_mode,words",
    [
        ({"cert_mode": "provided"}, False, "needs postfix_hardening_cert_chains"),
        ({"fail_on_drift": True}, False, "is an alarm for check mode"),
    ],
)
def test_refused_variables_stop_before_the_read(monkeypatch, converge, check_mode, words):
    with pytest.raises(AnsibleActionFail, match=words):
        run(args(converge=converge), info(), check_mode=check_mode, monkeypatch=monkeypatch)


def test_the_plan_matches_the_pure_decision(monkeypatch):
    result, _calls = run(args(), info(running=False), monkeypatch=monkeypatch)
    assert result["plan"]["why"]["config"][-1] == "Postfix is not running"
    assert _converge.PARTS.index("dovecot") < _converge.PARTS.index("config")


def test_a_secret_files_hash_is_withheld_from_the_result_not_from_the_digest(monkeypatch):
    password_map = "/etc/postfix/sasl_passwd"
    task = args(secret_files=[password_map, "/etc/postfix/sasl_passwd.db"])
    task["parts"]["config"]["files"] = [POLICY, password_map, "/etc/postfix/sasl_passwd.db"]
    read = info(fingerprints={POLICY: "p", DROPIN: "d", password_map: "e3b0c442", "/etc/postfix/sasl_passwd.db": None})
    result, _calls = run(task, read, monkeypatch=monkeypatch)
    assert result["postfix_info"]["fingerprints"][password_map] == "withheld (secret file)"
    assert result["postfix_info"]["fingerprints"]["/etc/postfix/sasl_passwd.db"] is None
    assert "e3b0c442" not in repr(result)
    other = info(fingerprints=dict(read["fingerprints"], **{password_map: "f00d"}))
    changed, _calls = run(task, other, monkeypatch=monkeypatch)
    assert changed["record"]["parts"]["config"] != result["record"]["parts"]["config"]
