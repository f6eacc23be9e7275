# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/audit.yml with audit_report_dir, run by ansible-playbook against this host's real Postfix.

Eight inventory hosts read a legacy configuration directory over the local connection with eight
forks, two more cannot be reached: the four report files are written once, on the controller,
and list every host in inventory order, the unreachable ones as unreachable.
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

POSTCONF = "/usr/sbin/postconf"
pytestmark = pytest.mark.skipif(not os.path.exists(POSTCONF), reason="Postfix (postconf) is not installed")

PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "playbooks")
HOSTILE = '"><script>alert(1)</script>'
LEGACY_MAIN = f"""\
myhostname = mx.example.org
smtpd_banner = $myhostname ESMTP {HOSTILE}
smtpd_use_tls = yes
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3
smtpd_sasl_auth_enable = yes
disable_vrfy_command = no
compatibility_level = 3.6
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("audit")
    config = base / "postfix"
    config.mkdir()
    (config / "main.cf").write_text(LEGACY_MAIN)
    shutil.copy("/usr/share/postfix/master.cf.dist", config / "master.cf")
    audited = [f"mx{n}.example.org" for n in range(1, 9)]
    gone = ["gone1.example.org", "gone2.example.org"]
    lines = ["[mailservers]"]
    lines += [f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}" for h in audited[:4]]
    lines += [f"{h} ansible_connection=containers.podman.podman" for h in gone[:1]]
    lines += [f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}" for h in audited[4:]]
    lines += [f"{h} ansible_connection=containers.podman.podman" for h in gone[1:]]
    (base / "inventory.ini").write_text("\n".join(lines) + "\n")
    reports = base / "reports"
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(PLAYBOOK, "audit.yml"),
         "-i", str(base / "inventory.ini"), "-f", "8", "-e", "audit_become=false",
         "-e", f"audit_config_dir={config}", "-e", f"audit_report_dir={reports}"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    order = audited[:4] + gone[:1] + audited[4:] + gone[1:]
    return proc, reports, order, gone


def test_the_run_fails_for_findings_and_for_unreachable_hosts(run):
    proc, _reports, _order, gone = run
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out[-3000:]
    for host in gone:
        assert f"{host} was not audited (unreachable)" in out
    assert "finding(s) at or above 'high'" in out


def test_four_files_written_once_covering_every_host(run):
    proc, reports, order, gone = run
    assert sorted(os.listdir(reports)) == ["findings.json", "findings.junit.xml", "findings.sarif", "report.html"]
    assert proc.stdout.count("TASK [Write the reports]") == 1
    doc = json.loads((reports / "findings.json").read_text())
    assert [h["name"] for h in doc["hosts"]] == order
    assert {h["name"]: h["status"] for h in doc["hosts"] if h["status"] != "audited"} == dict.fromkeys(
        gone, "unreachable"
    )
    assert doc["summary"]["audited"] == 8
    assert {f["host"] for f in doc["findings"]} == set(order) - set(gone)
    root = ET.fromstring((reports / "findings.junit.xml").read_bytes())
    assert [s.get("name") for s in root.findall("testsuite")] == order
    sarif = json.loads((reports / "findings.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    html = (reports / "report.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("Unreachable: not audited.") == 2
