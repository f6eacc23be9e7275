# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's converge decision: the fast path only for a server exactly as the last converge left it."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter.converge_plan import converge_plan
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _converge

STATE = "/var/lib/mailsec-postfix/etc_postfix.json"
RECORD = "a" * 64
CERT = {
    "path": "/etc/postfix/tls/mx-ecdsa.crt",
    "used_by": ["smtp", "submission"],
    "key_matches": True,
    "days_left": 300,
}
INFO = {
    "fingerprints": {STATE: RECORD, "/etc/postfix/main.cf": "b" * 64},
    "running": True,
    "sasl_sockets": [{"path": "/var/spool/postfix/private/auth", "reachable": True}],
    "certificates": [CERT, {"path": "/etc/ssl/client.crt", "used_by": ["outbound"], "key_matches": False}],
}
INPUTS = {
    "state_file": STATE,
    "expected_record": RECORD,
    "fast_path": True,
    "sasl_backend": "dovecot",
    "dovecot_configure": True,
    "cert_mode": "private_ca",
    "renew_days": 30,
}


def decide(info_changes=None, **inputs):
    info = copy.deepcopy(INFO)
    for change in info_changes or []:
        change(info)
    return _converge.plan(info, dict(INPUTS, **inputs))


def test_an_unchanged_server_takes_the_fast_path():
    result = decide()
    assert result == {"reasons": [], "full": False, "summary": result["summary"]}
    assert result["summary"].startswith("Unchanged since the last converge")
    assert "Dovecot answering" in result["summary"]


@pytest.mark.parametrize(
    "changes,inputs,reason",
    [
        ([], {"fast_path": False}, "postfix_hardening_fast_path is false"),
        ([lambda i: i["fingerprints"].pop(STATE)], {}, "no record of an earlier converge (%s)" % STATE),
        ([], {"expected_record": "c" * 64}, "role variables, collection code or managed files differ"),
        ([lambda i: i.update(running=False)], {}, "Postfix is not running"),
        ([lambda i: i["sasl_sockets"][0].update(reachable=False)], {}, "the Dovecot SASL socket does not answer"),
        ([lambda i: i.update(sasl_sockets=[])], {}, "the Dovecot SASL socket does not answer"),
        ([lambda i: i["certificates"][0].update(key_matches=False)], {}, "does not match its key"),
        ([lambda i: i["certificates"][0].update(error="unreadable")], {}, "is unreadable"),
        ([lambda i: i["certificates"][0].update(days_left=30)], {}, "due for renewal"),
        ([], {"fetched_missing": True}, "a fetched CA file is missing on the controller"),
    ],
)
def test_each_reason_alone_takes_the_full_path(changes, inputs, reason):
    result = decide(changes, **inputs)
    assert len(result["reasons"]) == 1 and reason in result["reasons"][0], result["reasons"]
    assert result["full"] and result["summary"].startswith("Full converge: ") and reason in result["summary"]


def test_what_is_not_the_roles_business_is_no_reason():
    # no Dovecot wanted: no socket is fine; renewal is the private CA's business only;
    # a client certificate (outbound) is not served
    assert decide([lambda i: i.update(sasl_sockets=[])], sasl_backend="none")["reasons"] == []
    assert decide([lambda i: i.update(sasl_sockets=[])], dovecot_configure=False)["reasons"] == []
    assert decide([lambda i: i["certificates"][0].update(days_left=3)], cert_mode="provided")["reasons"] == []
    assert decide([lambda i: i["certificates"][0].update(days_left=31)])["reasons"] == []


def test_reasons_come_in_a_fixed_order():
    result = decide([lambda i: i.update(running=False)], fast_path=False, expected_record="c" * 64)
    assert [r.split(" ")[0] for r in result["reasons"]] == ["postfix_hardening_fast_path", "role", "Postfix"]


def test_filter_checks_the_fetched_files_on_the_controller(tmp_path):
    present = tmp_path / "mx-ca.crt"
    present.write_text("x")
    registered = {"changed": False, "postfix_info": copy.deepcopy(INFO)}
    assert converge_plan(registered, dict(INPUTS, fetched=[str(present)]))["reasons"] == []
    missing = converge_plan(registered, dict(INPUTS, fetched=[str(present), str(tmp_path / "gone.crl")]))
    assert missing["reasons"] == ["a fetched CA file is missing on the controller"]
    with pytest.raises(AnsibleFilterError, match="state_file is required"):
        converge_plan(registered, {})
    with pytest.raises(AnsibleFilterError, match="inputs must be a dict"):
        converge_plan(registered, None)


@pytest.mark.parametrize("value", [False, "false", "no", "0", "off"])
def test_fast_path_switch_read_as_ansible_reads_booleans(value):
    """-e postfix_hardening_fast_path=false arrives as a string: it still switches the fast path off."""
    assert decide([], fast_path=value)["reasons"] == ["postfix_hardening_fast_path is false"]


@pytest.mark.parametrize("value", [True, "true", "yes", "1"])
def test_fast_path_switch_on(value):
    assert decide([], fast_path=value)["reasons"] == []


def test_a_switch_that_is_not_a_boolean_is_refused():
    with pytest.raises(_converge.ConvergeError, match="fast_path must be a boolean, got 'maybe'"):
        decide([], fast_path="maybe")
