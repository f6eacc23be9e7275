# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, item 13: the role's DNS records from a live read with an unreadable or weak certificate.

`harden.yml --check` with smtpd_tls_cert_file pointing at a missing file failed with
"object of type 'dict' has no attribute 'public_key'" while computing the DNS records.
The role computes its records in mailsec.postfix.converge_read (plugin_utils/_role_read.py);
these tests run that code over what the real postfix_info returns for such a configuration.
"""

import importlib.util
import os

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _role_read

_HERE = os.path.dirname(os.path.abspath(__file__))

# The hostile-read helpers: the real module in its own process, certificates made with cryptography.
_spec = importlib.util.spec_from_file_location("hostile_read", os.path.join(_HERE, "test_hostile_read_postfix_info.py"))
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

pytestmark = hostile.pytestmark


def render_tlsa(postfix_info_result, _tmp_path):
    """The role's postfix_hardening_dns_records.tlsa for a registered postfix_info result."""
    return _role_read.dns_records(postfix_info_result["postfix_info"], {"ttl": 3600})["tlsa"]


def test_missing_certificate_gives_no_tlsa_record_and_cert_unreadable(tmp_path):
    _cert, key = hostile.write_cert(tmp_path, "pair")
    conf = hostile.cert_config(tmp_path, str(tmp_path / "missing.crt"), key)
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    assert render_tlsa(result, tmp_path) == []
    assert [f["id"] for f in tls_findings(result) if f["id"] == "cert_unreadable"] == ["cert_unreadable"]


def test_the_pre_fix_result_shape_gives_no_record_instead_of_a_crash(tmp_path):
    """The result shape that crashed the role (an unreadable certificate without public_key):
    the role's code now reads it as "no public key", so there is no TLSA record and no crash."""
    _cert, key = hostile.write_cert(tmp_path, "pair")
    conf = hostile.cert_config(tmp_path, str(tmp_path / "missing.crt"), key)
    result, _elapsed = hostile.run_info({"config_dir": conf}, tmp_path)
    for cert in result["postfix_info"]["certificates"]:
        # what the module returned before the fix for a certificate openssl could not read
        for name in list(cert):
            if name not in ("path", "key_path", "params", "used_by", "error"):
                del cert[name]
    assert render_tlsa(result, tmp_path) == []


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
