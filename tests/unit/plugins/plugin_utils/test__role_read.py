# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the role makes of one read: code digests, its variables, the audit and the DNS records."""

import pytest
from ansible.errors import AnsibleFilterError
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _role_read


def test_code_digest_follows_content_names_and_removals(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "a.yml").write_text("a\n")
    (tmp_path / "tasks" / "b.yml").write_text("b\n")
    base = _role_read.code_digest(str(tmp_path), ["tasks/*.yml"])
    assert base == _role_read.code_digest(str(tmp_path), ["tasks/*.yml"])
    (tmp_path / "tasks" / "b.yml").write_text("b changed\n")
    edited = _role_read.code_digest(str(tmp_path), ["tasks/*.yml"])
    assert edited != base
    (tmp_path / "tasks" / "b.yml").unlink()
    removed = _role_read.code_digest(str(tmp_path), ["tasks/*.yml"])
    assert removed not in (base, edited)
    (tmp_path / "tasks" / "c.yml").write_text("a\n")
    (tmp_path / "tasks" / "a.yml").unlink()
    assert _role_read.code_digest(str(tmp_path), ["tasks/*.yml"]) != removed  # same bytes, other name
    assert _role_read.code_digest(str(tmp_path), ["nothing/*"]) != _role_read.code_digest(str(tmp_path), [])


def test_role_options_come_from_the_argument_spec(tmp_path):
    assert _role_read.role_options(str(tmp_path)) == []
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      b_var: {type: str}\n      a_var: {type: int}\n"
    )
    assert _role_read.role_options(str(tmp_path)) == ["a_var", "b_var"]


def test_input_names_take_names_globs_and_exclusions():
    known = ["p_cert_dir", "p_cert_mode", "p_fast_path", "p_profile"]
    assert _role_read.input_names(["p_*", "!p_fast_path"], known) == ["p_cert_dir", "p_cert_mode", "p_profile"]
    assert _role_read.input_names(["p_cert_*", "other_name"], known) == ["other_name", "p_cert_dir", "p_cert_mode"]
    assert _role_read.input_names(["x_*"], known) == []


def test_a_secret_input_counts_by_its_hash_only():
    values = _role_read.input_values(["pw", "user"], {"pw": "s3cret", "user": "relay"}.get, ["pw"])
    assert values["user"] == "relay"
    assert values["pw"].startswith("sha256:") and "s3cret" not in values["pw"]
    assert values != _role_read.input_values(["pw", "user"], {"pw": "other", "user": "relay"}.get, ["pw"])


def test_input_errors_name_the_variables():
    assert _role_read.input_errors("auto", [], False, False) == []
    assert "postfix_hardening_cert_chains" in _role_read.input_errors("provided", [], False, True)[0]
    assert _role_read.input_errors("provided", [{"key": "k", "cert": "c"}], False, False) == []
    assert "is an alarm for check mode" in _role_read.input_errors("auto", [], True, False)[0]
    assert _role_read.input_errors("auto", [], True, True) == []


def test_audit_off_returns_nothing_and_blocking_follows_fail_on(monkeypatch):
    found = [{"id": "a", "severity": "high"}, {"id": "b", "severity": "medium"}, {"id": "c", "severity": "info"}]
    monkeypatch.setattr(_role_read, "tls_findings", lambda info, profile: found)
    assert _role_read.audit({}, False, "intermediate", "high") == ([], [])
    assert _role_read.audit({}, True, "intermediate", "high") == (found, found[:1])
    assert _role_read.audit({}, True, "intermediate", "medium")[1] == found[:2]
    assert _role_read.audit({}, True, "intermediate", "never")[1] == []


@pytest.mark.parametrize(
    "host,options,domain",
    [
        ("mx.example.org", {}, "example.org"),
        ("example.org", {}, "example.org"),
        ("mx.mail.example.org", {}, "mail.example.org"),
        ("mx.example.org", {"mta_sts_domain": "example.net"}, "example.net"),
        ("mx.example.org", {"mail_domain": "example.com", "mta_sts_domain": "example.net"}, "example.com"),
    ],
)
def test_the_mail_domain(host, options, domain):
    assert _role_read.mail_domain(host, options) == domain


def _ec_public_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def test_dns_records_cover_served_keys_only(monkeypatch):
    seen = []
    monkeypatch.setattr(_role_read, "tlsa_record", lambda key, **kw: seen.append((key, kw)) or "TLSA " + key[:4])
    info = {
        "myhostname": "mx.example.org",
        "certificates": [
            {"used_by": ["smtp"], "public_key": "srv1"},
            {"used_by": ["outbound"], "public_key": "client"},  # a client certificate is not served
            {"used_by": ["smtp"], "public_key": None},  # unreadable: no record
        ],
    }
    records = _role_read.dns_records(info, {"ttl": 300, "submission": True, "submissions": False})
    assert records["tlsa"] == ["TLSA srv1"]
    assert seen == [("srv1", {"host": "mx.example.org", "ttl": 300, "weak_key": "omit"})]
    assert records["mta_sts"] == {} and records["tlsrpt"] == ""
    assert records["srv"] == ["_submission._tcp.example.org. 300 IN SRV 0 1 587 mx.example.org."]


def test_dns_records_with_mta_sts_and_tlsrpt():
    info = {"myhostname": "mx.example.org", "certificates": []}
    records = _role_read.dns_records(
        info,
        {
            "ttl": 3600,
            "mta_sts_domain": "example.org",
            "mta_sts_mode": "enforce",
            "mta_sts_max_age": 604800,
            "tlsrpt_rua": ["mailto:tlsrpt@example.org"],
        },
    )
    assert "mode: enforce" in records["mta_sts"]["policy"]
    assert records["tlsrpt"].startswith("_smtp._tls.example.org. 3600 IN TXT")


def test_a_short_hostname_fails_with_the_filters_message():
    info = {"myhostname": "mx", "certificates": [{"used_by": ["smtp"], "public_key": _ec_public_pem()}]}
    with pytest.raises(AnsibleFilterError, match="not a fully qualified host name"):
        _role_read.dns_records(info, {"ttl": 3600})


FINDING = {"severity": "high", "service": "smtp", "id": "auth_on_public_smtp", "message": "AUTH is offered."}


def test_the_report_has_one_line_per_finding_and_per_record():
    records = {
        "tlsa": ["_25._tcp.mx.example.org. IN TLSA 3 1 1 ab", "_25._tcp.mx.example.org. IN TLSA 3 1 1 cd"],
        "mta_sts": {"txt_record": '_mta-sts.example.org. IN TXT "v=STSv1; id=1"', "policy": "version: STSv1"},
        "tlsrpt": '_smtp._tls.example.org. IN TXT "v=TLSRPTv1; rua=mailto:r@example.org"',
        "srv": ["_submission._tcp.example.org. IN SRV 0 1 587 mx.example.org."],
    }
    lines = _role_read.report([FINDING, dict(FINDING, severity="low", id="x", message="y")], records, True)
    assert lines["findings"] == ["high | smtp | auth_on_public_smtp | AUTH is offered.", "low | smtp | x | y"]
    assert lines["dns_records"] == records["tlsa"] + [
        records["mta_sts"]["txt_record"],
        records["tlsrpt"],
        records["srv"][0],
    ]


def test_the_report_without_audit_domains_or_submission_records():
    # a single record given as a string counts as one line
    records = {"tlsa": [], "mta_sts": {}, "tlsrpt": "", "srv": "; no submission service"}
    lines = _role_read.report([], records, False)
    assert lines == {
        "findings": "not audited (postfix_hardening_audit: false)",
        "dns_records": ["; no submission service"],
    }
    assert _role_read.report([], dict(records, srv=[]), True) == {"findings": [], "dns_records": []}
