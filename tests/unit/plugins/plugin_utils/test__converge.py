# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's converge decision: the fast path only for a server exactly as the last converge left it."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter.converge_drift import converge_drift
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


# ---------------------------------------------------------------- part by part (the role's record, format 2)

CA = "/etc/postfix/private-ca/ca.crt"
DROPIN = "/etc/dovecot/conf.d/99-mailsec-postfix-auth.conf"
POLICY = "/etc/postfix/tls_policy"
SPECS = {
    "certificates": {"inputs": {"postfix_hardening_cert_mode": "private_ca"}, "code": "c1", "files": [CA]},
    "dovecot": {"inputs": {"postfix_hardening_sasl_path": "private/auth"}, "code": "d1", "files": [DROPIN]},
    "config": {"inputs": {"postfix_hardening_profile": "intermediate"}, "code": "k1", "files": [POLICY]},
}
PART_INFO = dict(
    copy.deepcopy(INFO),
    myhostname="mx.example.org",
    version="3.7.11",
    config_fingerprints={"main.cf": "m" * 64, "master.cf": "s" * 64},
    certificate_files=[{"path": CERT["path"], "key_path": "/etc/postfix/tls/mx-ecdsa.key"}],
    fingerprints={
        CA: "1" * 64,
        DROPIN: "2" * 64,
        POLICY: "3" * 64,
        CERT["path"]: "4" * 64,
        "/etc/postfix/tls/mx-ecdsa.key": "5" * 64,
    },
)


def recorded_info(**changes):
    """A read of a server whose record matches it, then changed as given (key: value of the read)."""
    info = copy.deepcopy(PART_INFO)
    info["record"] = _converge.record(info, SPECS, ["/etc/postfix/tls/mx-ecdsa.key", CERT["path"]])
    info.update(changes)
    return info


def part_plan(info, specs=None, **inputs):
    specs = SPECS if specs is None else specs
    base = {k: v for k, v in INPUTS.items() if k != "expected_record"}
    return _converge.plan(info, dict(base, parts=_converge.part_digests(info, specs), **inputs))


def test_parts_unchanged_server_takes_the_fast_path():
    result = part_plan(recorded_info())
    assert result["due"] == [] and not result["full"] and result["reasons"] == []
    assert result["summary"].startswith("Unchanged since the last converge")


def test_record_keeps_digests_and_the_served_chain_only():
    info = recorded_info()
    assert info["record"]["format"] == 2
    assert set(info["record"]["parts"]) == {"certificates", "dovecot", "config"}
    assert info["record"]["chain_files"] == ["/etc/postfix/tls/mx-ecdsa.key", CERT["path"]]
    assert "intermediate" not in str(info["record"]) and "5" * 64 not in str(info["record"])


def test_a_variable_that_only_the_configuration_reads_runs_the_configuration_only():
    specs = copy.deepcopy(SPECS)
    specs["config"]["inputs"]["postfix_hardening_profile"] = "modern"
    result = part_plan(recorded_info(), specs)
    assert result["due"] == ["config"]
    assert result["summary"].startswith("Full converge: role variables, collection code or managed files differ")
    assert result["summary"].endswith("Not due, skipped: certificates, dovecot.")


@pytest.mark.parametrize(
    "change,due",
    [
        # what Postfix reads from main.cf changed (a value, not bytes: the fingerprint is by meaning)
        (lambda i: i["config_fingerprints"].update({"main.cf": "n" * 64}), ["config"]),
        (lambda i: i.update(version="3.10.5"), ["config"]),
        (lambda i: i["fingerprints"].update({POLICY: None}), ["config"]),
        # a certificate or key file, the CA, the name issued certificates carry
        (lambda i: i["fingerprints"].update({CERT["path"]: "6" * 64}), ["certificates", "config"]),
        (lambda i: i["fingerprints"].update({"/etc/postfix/tls/mx-ecdsa.key": None}), ["certificates", "config"]),
        (lambda i: i["fingerprints"].update({CA: "7" * 64}), ["certificates", "config"]),
        (lambda i: i.update(myhostname="mail.example.org"), ["certificates", "config"]),
        (lambda i: i["certificates"][0].update(days_left=3), ["certificates", "config"]),
        (lambda i: i["certificates"][0].update(key_matches=False), ["certificates", "config"]),
        # the Dovecot drop-in, or a silent socket
        (lambda i: i["fingerprints"].update({DROPIN: "8" * 64}), ["dovecot", "config"]),
        (lambda i: i["sasl_sockets"][0].update(reachable=False), ["dovecot", "config"]),
        (lambda i: i.update(running=False), ["config"]),
        # the relay login has no SASL mechanism (the package the role installs was removed)
        (lambda i: i.update(relay=dict(RELAY_LOGIN, sasl_client={"dirs": ["/d"], "mechanisms": []})), ["config"]),
        (
            lambda i: i.update(relay=dict(RELAY_LOGIN, sasl_client={"dirs": ["/d"], "mechanisms": ["ANONYMOUS"]})),
            ["config"],
        ),
    ],
)
def test_what_the_read_shows_makes_its_part_due(change, due):
    info = recorded_info()
    change(info)
    assert part_plan(info)["due"] == due


RELAY_LOGIN = {"relayhost": "[relay.example.net]:587", "sasl_auth_enable": True, "sasl_type": "cyrus"}


@pytest.mark.parametrize(
    "relay,missing",
    [
        (dict(RELAY_LOGIN, sasl_client={"dirs": ["/d"], "mechanisms": []}), True),
        (dict(RELAY_LOGIN, sasl_client={"dirs": ["/d"], "mechanisms": ["ANONYMOUS", "PLAIN"]}), False),
        # no plugin directory, or no login through Cyrus SASL: nothing to judge by
        (dict(RELAY_LOGIN, sasl_client=None), False),
        (dict(RELAY_LOGIN, sasl_auth_enable=False, sasl_client={"dirs": ["/d"], "mechanisms": []}), False),
        ({}, False),
    ],
)
def test_relay_sasl_missing_is_a_reason_and_a_flag_of_its_own(relay, missing):
    result = part_plan(recorded_info(relay=relay))
    assert result["relay_sasl_missing"] is missing
    assert (_converge.RELAY_SASL_MISSING in result["reasons"]) is missing
    assert result["due"] == (["config"] if missing else [])


def test_other_certificate_files_in_the_configuration_make_the_certificates_due():
    info = recorded_info()
    info["certificate_files"] = [{"path": "/etc/ssl/other.crt", "key_path": "/etc/ssl/other.key"}]
    assert part_plan(info)["due"] == ["certificates", "config"]


def test_no_record_an_unreadable_or_an_old_record_makes_every_part_due():
    assert part_plan(recorded_info(record=None))["due"] == ["certificates", "dovecot", "config"]
    unreadable = part_plan(recorded_info(record=None, record_error="/var/lib/x.json is not JSON: bad"))
    assert unreadable["reasons"] == ["no record of an earlier converge (/var/lib/x.json is not JSON: bad)"]
    old = part_plan(recorded_info(record={"inputs": "a" * 64, "config": {}}))
    assert old["due"] == ["certificates", "dovecot", "config"]
    assert old["reasons"] == ["the record was written by an older version of the role"]


def test_fast_path_off_makes_every_managed_part_due():
    result = part_plan(recorded_info(), fast_path="false")
    assert result["due"] == ["certificates", "dovecot", "config"]
    assert result["reasons"] == ["postfix_hardening_fast_path is false"]
    without_dovecot = {k: v for k, v in SPECS.items() if k != "dovecot"}
    info = recorded_info()
    info["record"] = _converge.record(info, without_dovecot)
    result = part_plan(info, without_dovecot, fast_path=False, sasl_backend="none")
    assert result["due"] == ["certificates", "config"]


def test_a_missing_fetched_ca_file_makes_the_certificates_due():
    assert part_plan(recorded_info(), fetched_missing=True)["due"] == ["certificates", "config"]


def test_an_unknown_part_is_refused():
    with pytest.raises(_converge.ConvergeError, match="unknown part 'packages'"):
        _converge.part_digests(PART_INFO, {"packages": {}})


def test_part_digests_change_with_inputs_code_and_files_only():
    base = _converge.part_digests(PART_INFO, SPECS)
    assert base == _converge.part_digests(copy.deepcopy(PART_INFO), copy.deepcopy(SPECS))
    for part, key, value in [("certificates", "code", "c2"), ("dovecot", "inputs", {"x": 1}), ("config", "files", [])]:
        specs = copy.deepcopy(SPECS)
        specs[part][key] = value
        changed = _converge.part_digests(PART_INFO, specs)
        assert [p for p in base if base[p] != changed[p]] == [part]
    # a file outside every part (the old byte fingerprint of main.cf) counts for nothing
    info = copy.deepcopy(PART_INFO)
    info["fingerprints"]["/etc/postfix/main.cf"] = "0" * 64
    assert _converge.part_digests(info, SPECS) == base


def test_everything_is_due_only_when_nothing_is_known_to_be_in_place():
    assert part_plan(recorded_info(record=None))["everything"] is True
    assert part_plan(recorded_info(record={"format": 1}))["everything"] is True
    assert part_plan(recorded_info(), fast_path=False)["everything"] is True
    assert part_plan(recorded_info())["everything"] is False
    assert part_plan(recorded_info(running=False))["everything"] is False
    specs = copy.deepcopy(SPECS)
    specs["config"]["inputs"]["postfix_hardening_profile"] = "modern"
    assert part_plan(recorded_info(), specs)["everything"] is False
    info = recorded_info()
    info["fingerprints"][CERT["path"]] = "6" * 64
    assert part_plan(info)["everything"] is False


# ---------------------------------------------------------------- the drift alarm's phrases


def test_drift_names_parameters_services_and_files_in_that_order():
    plan = {
        "changed_params": ["smtpd_tls_protocols", "smtpd_tls_received_header"],
        "removed_duplicates": ["smtpd_tls_protocols", "smtp_tls_loglevel"],
        "changed_services": ["submission/inet"],
    }
    files = [
        {"name": "/etc/postfix/tls_policy", "result": {"changed": True}},
        {"name": "/etc/postfix/sasl_passwd", "result": {"changed": False}},
        {"name": "/etc/postfix/sender_logins", "result": {"skipped": True}},
        {"name": "the Dovecot auth listener drop-in", "result": True},
    ]
    assert converge_drift(plan, files) == [
        "main.cf parameter(s) smtpd_tls_protocols, smtpd_tls_received_header, smtp_tls_loglevel",
        "master.cf service(s) submission/inet",
        "file(s) /etc/postfix/tls_policy, the Dovecot auth listener drop-in",
    ]


@pytest.mark.parametrize("plan", [None, {}, {"changed_params": [], "changed_services": []}])
def test_no_drift_when_the_prediction_changes_nothing(plan):
    assert converge_drift(plan, [{"name": "/etc/postfix/tls_policy", "result": {"changed": False}}]) == []
    assert converge_drift(plan) == []


@pytest.mark.parametrize(
    "plan, files, message",
    [
        ("changed", None, "postfix_config check-mode result"),
        ({}, "tls_policy", "files must be a list"),
        ({}, {"name": "x"}, "files must be a list"),
        ({}, [{"result": True}], "name and a result"),
        ({}, ["tls_policy"], "name and a result"),
    ],
)
def test_drift_refuses_inputs_of_the_wrong_shape(plan, files, message):
    with pytest.raises(AnsibleFilterError, match=message):
        converge_drift(plan, files)
