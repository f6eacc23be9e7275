# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, item 13: the role's DNS records from a live read with an unreadable or weak certificate.

`harden.yml --check` with smtpd_tls_cert_file pointing at a missing file failed with
"object of type 'dict' has no attribute 'public_key'" while computing the DNS records.
These tests take the role's own expressions from vars/main.yml (the audit of one read, used by
tasks/main.yml and tasks/record.yml) and render them with ansible-playbook over what the real
postfix_info returns for such a configuration.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings

_HERE = os.path.dirname(os.path.abspath(__file__))
VARS_YML = os.path.join(_HERE, "..", "..", "roles", "postfix_hardening", "vars", "main.yml")

# The hostile-read helpers: the real module in its own process, certificates made with cryptography.
_spec = importlib.util.spec_from_file_location("hostile_read", os.path.join(_HERE, "test_hostile_read_postfix_info.py"))
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

pytestmark = hostile.pytestmark


def _role_vars():
    with open(VARS_YML) as handle:
        return yaml.safe_load(handle)


def render_tlsa(postfix_info_result, tmp_path):
    """The role's postfix_hardening_dns_records.tlsa for a registered postfix_info result.

    Rendered by ansible-playbook itself (the collection from this checkout), so the filters,
    the templar and its undefined handling are the ones a role run uses. Returns the list of
    records, or raises RoleExpressionFailed with Ansible's message.
    """
    role_vars = _role_vars()
    info_file = tmp_path / "postfix_info.json"
    info_file.write_text(json.dumps(postfix_info_result))
    play = [
        {
            "name": "role expressions",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {
                "_postfix_hardening_audited": "{{ lookup('ansible.builtin.file', '%s') | from_json }}" % info_file,
                "ansible_connection": "local",
                "_postfix_hardening_audit_host": role_vars["_postfix_hardening_audit_host"],
                "postfix_hardening_dns_ttl": 3600,
                "_postfix_hardening_live_pubkeys": role_vars["_postfix_hardening_live_pubkeys"],
            },
            "tasks": [
                {
                    "name": "tlsa",
                    "ansible.builtin.debug": {"msg": role_vars["_postfix_hardening_audit_dns_records"]["tlsa"]},
                }
            ],
        }
    ]
    playbook = tmp_path / "records.yml"
    playbook.write_text(yaml.safe_dump(play))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(p for p in sys.path if p),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", str(playbook)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail("ansible-playbook gave no JSON report: %s %s" % (proc.stdout[-2000:], proc.stderr[-2000:]))
    outcome = report["plays"][0]["tasks"][0]["hosts"]["localhost"]
    if outcome.get("failed"):
        raise RoleExpressionFailed(outcome.get("msg"))
    return outcome["msg"]


class RoleExpressionFailed(Exception):
    pass


def test_missing_certificate_gives_no_tlsa_record_and_cert_unreadable(tmp_path):
    _cert, key = hostile.write_cert(tmp_path, "pair")
    conf = hostile.cert_config(tmp_path, str(tmp_path / "missing.crt"), key)
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    assert render_tlsa(result, tmp_path) == []
    assert [f["id"] for f in tls_findings(result) if f["id"] == "cert_unreadable"] == ["cert_unreadable"]


def test_the_pre_fix_result_shape_crashes_the_role_expression(tmp_path):
    """Proof that the expression needs public_key in every entry: without it, the reported error returns."""
    _cert, key = hostile.write_cert(tmp_path, "pair")
    conf = hostile.cert_config(tmp_path, str(tmp_path / "missing.crt"), key)
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    for cert in result["postfix_info"]["certificates"]:
        # what the module returned before the fix for a certificate openssl could not read
        for name in list(cert):
            if name not in ("path", "key_path", "params", "used_by", "error"):
                del cert[name]
    with pytest.raises(RoleExpressionFailed, match="has no attribute 'public_key'"):
        render_tlsa(result, tmp_path)


def test_weak_and_strong_certificates_give_a_record_for_the_strong_one_only(tmp_path):
    strong_cert, strong_key = hostile.write_cert(tmp_path, "strong")
    weak_cert, weak_key = hostile.write_cert(tmp_path, "weak", key=rsa.generate_private_key(65537, 1024))
    conf = hostile.make_config(
        tmp_path,
        "smtpd_tls_chain_files = %s, %s, %s, %s\n" % (strong_key, strong_cert, weak_key, weak_cert),
    )
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    records = render_tlsa(result, tmp_path)
    assert len(records) == 1 and records[0].startswith("_25._tcp.%s. 3600 IN TLSA 3 1 1 " % hostile.HOST)
    assert [f["id"] for f in tls_findings(result) if f["id"] == "weak_key"] == ["weak_key"]


def test_readable_certificates_keep_their_records(tmp_path):
    ec_cert, ec_key = hostile.write_cert(tmp_path, "ec", key=ec.generate_private_key(ec.SECP256R1()))
    rsa_cert, rsa_key = hostile.write_cert(tmp_path, "rsa", key=rsa.generate_private_key(65537, 3072))
    conf = hostile.make_config(
        tmp_path, "smtpd_tls_chain_files = %s, %s, %s, %s\n" % (ec_key, ec_cert, rsa_key, rsa_cert)
    )
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    assert len(render_tlsa(result, tmp_path)) == 2
