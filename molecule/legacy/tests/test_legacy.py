"""molecule/legacy: the user's configuration from the question, before and after the role.

Evidence comes from two independent sources: the collection's own audit (findings
before vs after) and testssl.sh, the scanner the user ran (before in prepare, after here).
"""

import json
import os
import subprocess

import pytest

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", "")
SCAN = os.path.join(SCENARIO, "..", "resources", "testssl-scan.sh")
MX = "example.com"
BAD_TESTSSL = {"HIGH", "CRITICAL"}
PROTOCOL_IDS = ["SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"]
CIPHER_IDS = [
    "cipherlist_NULL",
    "cipherlist_aNULL",
    "cipherlist_EXPORT",
    "cipherlist_3DES_IDEA",
    "cipherlist_OBSOLETED",
]


def _load(name):
    with open(os.path.join(EPHEMERAL, name), encoding="utf-8") as fh:
        return json.load(fh)


def _scan_results(label, port):
    entries = _load(f"testssl/{label}-{port}.json")
    return {e["id"]: e for e in entries}


def _offered(entry):
    finding = entry["finding"].lower()
    return finding.startswith("offered") or (" offered" in finding and "not offered" not in finding)


@pytest.fixture(scope="module")
def after_scan(host):
    name = host.backend.get_hostname()
    ip = host.run("hostname -I").stdout.split()[0]
    cafile = os.path.join(EPHEMERAL, "ca", f"{name}-ca.crt")
    subprocess.run([SCAN, ip, os.path.join(EPHEMERAL, "testssl"), f"after-{name}", MX, cafile], check=True, timeout=900)
    before = {port: _scan_results(f"before-{name}", port) for port in (25, 587, 465)}
    after = {port: _scan_results(f"after-{name}", port) for port in (25, 587, 465)}
    _print_table(name, before, after)
    return before, after


SEVERITY_ORDER = ["OK", "INFO", "LOW", "MEDIUM", "WARN", "HIGH", "CRITICAL", "FATAL"]
TABLE_IDS = PROTOCOL_IDS + CIPHER_IDS + ["cipherlist_LOW", "cipherlist_AVERAGE", "cert_trust", "cert_chain_of_trust"]


def _entries(results, id_):
    """Entries of one testssl id; with several certificates the id gets a ' <hostCert#N>' suffix."""
    return [e for key, e in results.items() if key == id_ or key.startswith(id_ + " ")]


def _cell(entries):
    if not entries:
        return "-"
    worst = max(entries, key=lambda e: SEVERITY_ORDER.index(e["severity"]) if e["severity"] in SEVERITY_ORDER else 0)
    suffix = f" x{len(entries)}" if len(entries) > 1 else ""
    return f"{worst['finding'][:20]:20} {worst['severity']}{suffix}"


def _print_table(name, before, after):
    rows = [
        f"testssl.sh before/after on {name} (finding / worst severity; xN = one per certificate)",
        f"{'id':22} {'port':>4}  {'before':32} after",
    ]
    for port in (25, 587, 465):
        for id_ in TABLE_IDS:
            b, a = _entries(before[port], id_), _entries(after[port], id_)
            if b or a:
                rows.append(f"{id_:22} {port:>4}  {_cell(b):32} {_cell(a)}")
    table = "\n".join(rows)
    with open(os.path.join(EPHEMERAL, f"testssl-table-{name}.txt"), "w", encoding="utf-8") as fh:
        fh.write(table + "\n")
    print("\n" + table)


def test_before_audit_explains_the_users_scanner_findings(host):
    findings = _load(f"findings-before-{host.backend.get_hostname()}.json")
    got = {(f["id"], f["service"]) for f in findings}
    ids = {f["id"] for f in findings}
    for expected in (
        "auth_on_public_smtp",
        "weak_protocols_mandatory",
        "anonymous_ciphers",
        "mandatory_settings_ignored",
        "deprecated_parameter",
        "cert_name_mismatch",
    ):
        assert expected in ids, sorted(got)
    # port 25 and the submission service both offer aNULL in the user's configuration
    assert len({s for i, s in got if i == "anonymous_ciphers"}) >= 2, sorted(got)


def test_every_high_and_medium_finding_is_gone_after_hardening(host):
    name = host.backend.get_hostname()
    before = _load(f"findings-before-{name}.json")
    after = _load(f"findings-after-{name}.json")
    assert [f for f in before if f["severity"] in ("high", "medium")]
    assert [f for f in after if f["severity"] in ("high", "medium")] == []


def test_auto_mode_kept_the_wildcard_certificate_and_reported_it(host):
    findings = _load(f"findings-auto-{host.backend.get_hostname()}.json")
    mismatch = [f for f in findings if f["id"] == "cert_name_mismatch"]
    assert mismatch and all(f["severity"] == "medium" for f in mismatch)


def test_testssl_before_saw_what_the_user_saw(after_scan):
    before = after_scan[0]
    for port in (25, 587):
        assert _offered(before[port]["TLS1"]), before[port]["TLS1"]
        assert _offered(before[port]["cipherlist_aNULL"]), before[port]["cipherlist_aNULL"]


@pytest.mark.parametrize("port", [587, 465])
def test_testssl_after_no_old_protocols_on_submission(after_scan, port):
    after = after_scan[1]
    for id_ in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        assert not _offered(after[port][id_]), after[port][id_]


@pytest.mark.parametrize("port", [25, 587, 465])
def test_testssl_after_no_null_or_anonymous_ciphers(after_scan, port):
    after = after_scan[1]
    for id_ in ("cipherlist_aNULL", "cipherlist_NULL"):
        assert not _offered(after[port][id_]), after[port][id_]


@pytest.mark.parametrize("port", [25, 587, 465])
def test_testssl_after_nothing_high_or_critical_and_name_matches(after_scan, port):
    after = after_scan[1]
    bad = [e for e in after[port].values() if e.get("severity") in BAD_TESTSSL]
    assert bad == []
    trust = [e["finding"] for id_, e in after[port].items() if id_.startswith("cert_trust")]
    assert trust, sorted(after[port])
    assert all("Ok via SAN" in t or "Ok via CN" in t for t in trust), trust


STALL_LIMIT_S = 20


def _role_task_durations(playbook):
    records = _load(f"task-durations-{playbook}.json")
    return [r for r in records if r["role"].endswith("postfix_hardening")]


def test_first_converge_on_a_running_dovecot_has_no_stalled_task():
    """prepare.yml's role run is the first converge of a server whose Dovecot already serves
    private/auth and gained a user after it started; it once waited 90 s on a Dovecot stop."""
    first = _role_task_durations("prepare")
    assert any(r["task"] == "Reload dovecot" for r in first), "the Dovecot handler did not run"
    slow = [r for r in first if r["seconds"] > STALL_LIMIT_S]
    assert not slow, f"tasks over {STALL_LIMIT_S} s: {slow}"
