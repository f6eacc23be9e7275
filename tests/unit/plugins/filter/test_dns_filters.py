# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests for the DNS record filters: direct calls, error wrapping, and a real playbook run."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.filter import mta_sts_policy as sts_mod
from ansible_collections.mailsec.postfix.plugins.filter import submission_srv_records as srv_mod
from ansible_collections.mailsec.postfix.plugins.filter import tlsa_record as tlsa_mod
from ansible_collections.mailsec.postfix.plugins.filter import tlsrpt_record as tlsrpt_mod

# Collections root of the tree `make collection` builds (for the playbook run).
_COLLECTIONS_ROOT = Path(__file__).resolve().parents[4] / ".build" / "collections"

OPENSSL = shutil.which("openssl")
HOST = "mail.example.org"


def _openssl(*args, stdin=None):
    return subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def ec_cert(tmp_path_factory):
    """An ECDSA P-256 self-signed certificate and its openssl-computed 3 1 1 digest."""
    if OPENSSL is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("filter-ec")
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "30", "-subj", "/CN=" + HOST,
    )  # fmt: skip
    pub = _openssl("x509", "-in", str(d / "cert.pem"), "-pubkey", "-noout")
    der = _openssl("pkey", "-pubin", "-outform", "DER", stdin=pub)
    digest = _openssl("dgst", "-sha256", "-r", stdin=der).decode().split()[0]
    return {"dir": d, "cert": (d / "cert.pem").read_text(), "key": (d / "key.pem").read_text(), "digest": digest}


@pytest.mark.parametrize(
    "module, name",
    [
        (tlsa_mod, "tlsa_record"),
        (sts_mod, "mta_sts_policy"),
        (tlsrpt_mod, "tlsrpt_record"),
        (srv_mod, "submission_srv_records"),
    ],
)
def test_filter_registration_matches_doc_file(module, name):
    assert list(module.FilterModule().filters()) == [name]
    assert (Path(module.__file__).parent / (name + ".yml")).is_file()


def test_tlsa_filter(ec_cert):
    tlsa = tlsa_mod.FilterModule().filters()["tlsa_record"]
    assert tlsa(ec_cert["cert"]) == "3 1 1 " + ec_cert["digest"]
    assert tlsa(ec_cert["key"]) == "3 1 1 " + ec_cert["digest"]
    assert (
        tlsa(ec_cert["cert"], host=HOST, ttl=3600)
        == "_25._tcp.mail.example.org. 3600 IN TLSA 3 1 1 " + ec_cert["digest"]
    )


@pytest.mark.parametrize(
    "pem, kwargs, message",
    [
        ("hello", {}, "tlsa_record: input is not PEM"),
        (None, {}, "tlsa_record: input must be PEM text"),
        ("CERT", {"usage": 7}, "tlsa_record: unknown TLSA usage 7"),
        ("CERT", {"selector": 3}, "tlsa_record: unknown TLSA selector 3"),
        ("CERT", {"matching": 9}, "tlsa_record: unknown TLSA matching type 9"),
        (
            "CERT",
            {"host": "bad host.example.org"},
            "tlsa_record: TLSA host 'bad host.example.org' has an invalid label",
        ),
    ],
)
def test_tlsa_filter_errors(ec_cert, pem, kwargs, message):
    tlsa = tlsa_mod.FilterModule().filters()["tlsa_record"]
    with pytest.raises(AnsibleFilterError, match="^" + re.escape(message)):
        tlsa(ec_cert["cert"] if pem == "CERT" else pem, **kwargs)


def test_mta_sts_filter():
    sts = sts_mod.FilterModule().filters()["mta_sts_policy"]
    result = sts(["mail.example.org", "*.example.net"], domain="example.org", mode="enforce", max_age=1209600)
    assert result["policy"] == (
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmx: *.example.net\r\nmax_age: 1209600\r\n"
    )
    assert result["txt_record"] == '_mta-sts.example.org. IN TXT "v=STSv1; id=%s"' % result["id"]
    explicit = sts("mail.example.org", domain="example.org", id="20250101", ttl=300)
    assert explicit["txt_record"] == '_mta-sts.example.org. 300 IN TXT "v=STSv1; id=20250101"'


@pytest.mark.parametrize(
    "mx, kwargs, message",
    [
        (["mail.example.org"], {}, "mta_sts_policy: domain is required"),
        (["mail.example.org"], {"domain": "example.org", "mode": "enforce", "max_age": 86400}, "too short"),
        (["mail.example.org"], {"domain": "example.org", "max_age": 31557601}, "between 0 and 31557600"),
        (["mail.example.org"], {"domain": "example.org", "mode": "on"}, "mode must be one of"),
        (["mx*.example.org"], {"domain": "example.org"}, "mx host 'mx\\*.example.org' has an invalid label"),
        (["mail.example.org"], {"domain": "example.org", "id": "not-alnum"}, "id must be 1 to 32"),
    ],
)
def test_mta_sts_filter_errors(mx, kwargs, message):
    sts = sts_mod.FilterModule().filters()["mta_sts_policy"]
    with pytest.raises(AnsibleFilterError, match=message):
        sts(mx, **kwargs)


def test_tlsrpt_filter():
    tlsrpt = tlsrpt_mod.FilterModule().filters()["tlsrpt_record"]
    assert tlsrpt("tls@example.org", domain="example.org") == (
        '_smtp._tls.example.org. IN TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'
    )
    with pytest.raises(AnsibleFilterError, match=r"^tlsrpt_record: domain is required"):
        tlsrpt("tls@example.org")


def test_srv_filter():
    srv = srv_mod.FilterModule().filters()["submission_srv_records"]
    assert srv(HOST, domain="example.org", submissions=False) == [
        "_submission._tcp.example.org. IN SRV 0 1 587 mail.example.org."
    ]
    with pytest.raises(AnsibleFilterError, match=r"^submission_srv_records: domain is required"):
        srv(HOST)


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    cert_path: "{{ cert_dir }}/cert.pem"
  tasks:
    - name: all filters by FQCN
      ansible.builtin.set_fact:
        tlsa_data: "{{ lookup('ansible.builtin.file', cert_path) | mailsec.postfix.tlsa_record }}"
        tlsa_lines: >-
          {{ [lookup('ansible.builtin.file', cert_path)]
             | map('mailsec.postfix.tlsa_record', host='mail.example.org', ttl=300) | list }}
        sts: "{{ ['mail.example.org'] | mailsec.postfix.mta_sts_policy(domain='example.org', mode='enforce') }}"
        tlsrpt: "{{ 'tls@example.org' | mailsec.postfix.tlsrpt_record(domain='example.org') }}"
        srv: "{{ 'mail.example.org' | mailsec.postfix.submission_srv_records(domain='example.org') }}"
    - name: bad input fails with a message naming the problem
      ansible.builtin.debug:
        msg: >-
          {{ ['mail.example.org'] | mailsec.postfix.mta_sts_policy(domain='example.org', mode='enforce', max_age=60) }}
      register: bad
      ignore_errors: true
    - name: report
      ansible.builtin.copy:
        dest: "{{ cert_dir }}/out.json"
        content: >-
          {{ {'tlsa_data': tlsa_data, 'tlsa_lines': tlsa_lines, 'sts': sts,
              'tlsrpt': tlsrpt, 'srv': srv, 'bad': bad.msg} | to_json }}
        mode: "0600"
"""


def test_filters_in_a_playbook(ec_cert, tmp_path):
    playbook_bin = Path(sys.executable).parent / "ansible-playbook"
    if not playbook_bin.exists() or not _COLLECTIONS_ROOT.is_dir():
        pytest.skip("ansible-playbook or the built collection tree is missing")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(_COLLECTIONS_ROOT),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_HOME=str(tmp_path / "home"),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    run = subprocess.run(
        [str(playbook_bin), "-i", "localhost,", "-c", "local", str(tmp_path / "play.yml"),
         "-e", "cert_dir=%s" % ec_cert["dir"]],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads((ec_cert["dir"] / "out.json").read_text())
    assert out["tlsa_data"] == "3 1 1 " + ec_cert["digest"]
    assert out["tlsa_lines"] == ["_25._tcp.mail.example.org. 300 IN TLSA 3 1 1 " + ec_cert["digest"]]
    assert out["sts"]["policy"].startswith("version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\n")
    assert out["sts"]["txt_record"].startswith('_mta-sts.example.org. IN TXT "v=STSv1; id=')
    assert out["tlsrpt"] == '_smtp._tls.example.org. IN TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'
    assert out["srv"] == [
        "_submissions._tcp.example.org. IN SRV 0 1 465 mail.example.org.",
        "_submission._tcp.example.org. IN SRV 0 1 587 mail.example.org.",
    ]
    assert "max_age 60 is too short for mode enforce" in out["bad"]
