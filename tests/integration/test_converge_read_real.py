# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action mailsec.postfix.converge_read, run by ansible-playbook over a real Postfix
configuration (postconf on this machine): one read, the part-by-part decision against the
record it returns, the gate, the refused variables, and no secret in its result."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

POSTCONF = "/usr/sbin/postconf"
MASTER_CF = "/etc/postfix/master.cf"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(POSTCONF) and os.path.exists(MASTER_CF)), reason="Postfix (postconf) is not installed"
)

SECRET = "relay-Secret-4711"


@pytest.fixture
def server(tmp_path):
    conf = tmp_path / "postfix"
    conf.mkdir()
    (conf / "main.cf").write_text(
        "myhostname = mx.example.org\nsmtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1\n"
    )
    shutil.copy(MASTER_CF, str(conf / "master.cf"))
    role = tmp_path / "role"
    (role / "meta").mkdir(parents=True)
    (role / "tasks").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(
        yaml.safe_dump(
            {
                "argument_specs": {
                    "main": {
                        "options": {
                            "demo_profile": {"type": "str"},
                            "demo_cert_mode": {"type": "str"},
                            "demo_fast_path": {"type": "bool"},
                            "demo_password": {"type": "str"},
                        }
                    }
                }
            }
        )
    )
    (role / "tasks" / "certificates.yml").write_text("---\n")
    (role / "tasks" / "main.yml").write_text("---\n")
    return {"conf": str(conf), "role": str(role), "state": str(tmp_path / "record.json"), "tmp": tmp_path}


def read(server, *, check=False, extra=None, switches=None, audit=None):
    """The registered result of one converge_read task."""
    variables = {
        "demo_profile": "intermediate",
        "demo_cert_mode": "auto",
        "demo_password": SECRET,
        "ansible_python_interpreter": sys.executable,
    }
    variables.update(extra or {})
    task = {
        "name": "read",
        "mailsec.postfix.converge_read": {
            "config_dir": server["conf"],
            "state_file": server["state"],
            "code_root": server["role"],
            "secret_inputs": ["demo_password"],
            "parts": {
                "certificates": {"inputs": ["demo_cert_*"], "code": ["tasks/certificates.yml"]},
                "config": {"inputs": ["demo_*", "!demo_fast_path"], "code": ["tasks/*.yml"]},
            },
            "converge": dict({"sasl_backend": "none", "cert_mode": "auto"}, **(switches or {})),
            "audit": audit or {"profile": "intermediate", "fail_on": "never"},
            "dns": {"ttl": 3600},
        },
        "register": "result",
    }
    play = [{"hosts": "localhost", "gather_facts": False, "vars": variables, "tasks": [task]}]
    book = server["tmp"] / "play.yml"
    book.write_text(yaml.safe_dump(play))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(p for p in sys.path if p),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    proc = subprocess.run(
        argv + (["--check"] if check else []) + [str(book)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    report = json.loads(proc.stdout)
    return report["plays"][0]["tasks"][0]["hosts"]["localhost"], proc.stdout + proc.stderr


def due(result):
    """The due parts, leaving out that Postfix does not run for this test directory."""
    assert not result.get("failed"), result
    why = result["plan"]["why"]
    return [part for part, reasons in why.items() if set(reasons) - {"Postfix is not running"}]


def write_record(server, result):
    """What the role's record.yml does after a converge."""
    with open(server["state"], "w") as handle:
        json.dump(dict(result["record"], chain_files=[]), handle, sort_keys=True)


def test_one_read_decides_part_by_part_against_its_record(server):
    first, _out = read(server)
    assert not first.get("failed"), first
    assert due(first) == ["certificates", "config"]
    assert "no record of an earlier converge" in first["plan"]["reasons"][0]
    assert first["postfix_info"]["record"] is None
    write_record(server, first)

    again, _out = read(server)
    assert due(again) == []
    assert again["postfix_info"]["record"]["format"] == 2

    # a variable only the configuration reads: the certificates are not due
    other, _out = read(server, extra={"demo_profile": "modern"})
    assert due(other) == ["config"]
    assert "Not due, skipped: certificates." in other["plan"]["summary"]
    # a certificate variable, a certificate task file: both parts
    assert due(read(server, extra={"demo_cert_mode": "selfsigned"})[0]) == ["certificates", "config"]
    (server["tmp"] / "role" / "tasks" / "certificates.yml").write_text("---\n# changed\n")
    assert due(read(server)[0]) == ["certificates", "config"]
    (server["tmp"] / "role" / "tasks" / "certificates.yml").write_text("---\n")
    # the excluded switch, and the secret only by its hash
    assert due(read(server, extra={"demo_fast_path": False})[0]) == []
    assert due(read(server, extra={"demo_password": "another"})[0]) == ["config"]


def test_same_values_written_back_keep_the_fast_path_and_a_new_value_does_not(server):
    first, _out = read(server)
    write_record(server, first)
    conf = server["conf"]
    subprocess.run([POSTCONF, "-c", conf, "-e", "smtpd_tls_loglevel=1"], check=True)
    with open(os.path.join(conf, "main.cf"), "a") as handle:
        handle.write("# rewritten by another tool\n")
    assert due(read(server)[0]) == []
    subprocess.run([POSTCONF, "-c", conf, "-e", "smtpd_tls_loglevel=0"], check=True)
    assert due(read(server)[0]) == ["config"]


def test_the_secret_never_reaches_the_result_or_the_record(server):
    result, out = read(server)
    assert SECRET not in out
    assert SECRET not in json.dumps(result["record"])


def test_an_unreadable_record_is_named_and_every_part_is_due(server):
    with open(server["state"], "w") as handle:
        handle.write("[1, 2]")
    result, _out = read(server)
    assert due(result) == ["certificates", "config"]
    assert "holds a JSON list, not an object" in result["plan"]["reasons"][0]


def test_with_a_part_due_the_findings_are_reported_and_not_yet_judged(server):
    """Postfix does not run for this directory, so the configuration is due: the run converges
    first and judges its re-read (the gate on an unchanged server: tests/unit/plugins/action)."""
    first, _out = read(server)
    write_record(server, first)
    result, _out = read(server, audit={"profile": "intermediate", "fail_on": "info"})
    assert result["plan"]["why"]["config"] == ["Postfix is not running"]
    assert result["blocking"] and result["blocking"] == result["findings"] and not result.get("failed")
    assert "smtp" in {finding["service"] for finding in result["findings"]}
    off, _out = read(server, audit={"enabled": False, "fail_on": "info"})
    assert off["findings"] == [] and off["blocking"] == [] and not off.get("failed")


@pytest.mark.parametrize(
    "switches,check,words",
    [
        ({"cert_mode": "provided"}, False, "postfix_hardening_cert_mode=provided needs postfix_hardening_cert_chains"),
        ({"fail_on_drift": True}, False, "postfix_hardening_fail_on_drift=true is an alarm for check mode"),
    ],
)
def test_variables_the_role_cannot_act_on_are_refused(server, switches, check, words):
    result, _out = read(server, switches=switches, check=check)
    assert result["failed"] and words in result["msg"]
    assert not os.path.exists(server["state"])


def test_fail_on_drift_is_fine_in_check_mode(server):
    result, _out = read(server, switches={"fail_on_drift": True}, check=True)
    assert not result.get("failed"), result
