# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""postfix_info on hostile paths and values, with the real postconf and openssl (issue 17, items 2, 6, 13).

Every run is the module as Ansible runs it: a separate Python process, here with a
hard limit of HARD_LIMIT seconds, so a hang fails the test instead of stalling the
suite. "Returns within seconds" is asserted as at most WITHIN seconds of wall time
on this (shared, loaded) machine; a normal run takes about one second.
"""

import contextlib
import datetime
import importlib.util
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import ansible
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _bounded_io

POSTCONF = "/usr/sbin/postconf"
MASTER_CF = "/etc/postfix/master.cf"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(POSTCONF) and os.path.exists(MASTER_CF)), reason="Postfix (postconf) is not installed"
)

HARD_LIMIT = 90
WITHIN = 15
HOST = "mx.example.org"


def run_info(args, tmp_path):
    """(result dict, seconds) of one postfix_info run in its own process."""
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    # The same import path as this test: the collections root conftest.py put on sys.path.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.mailsec.postfix.plugins.modules.postfix_info", str(args_file)],
        capture_output=True,
        timeout=HARD_LIMIT,
        env=env,
        check=False,
    )
    elapsed = time.monotonic() - start
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        pytest.fail("no JSON result (rc=%s): %r %r" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return result, elapsed


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_cert(directory, stem, *, key=None, days_from=-1, days_to=365, names=(HOST,)):
    """PEM certificate and key files (self-signed) valid from now+days_from to now+days_to."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(_name(names[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=days_from))
        .not_valid_after(now + datetime.timedelta(days=days_to))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(str(directory), stem + ".crt")
    key_path = os.path.join(str(directory), stem + ".key")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def make_config(tmp_path, main_extra="", master_extra=""):
    conf = tmp_path / "postfix"
    conf.mkdir()
    (conf / "main.cf").write_text("myhostname = %s\nsmtpd_tls_security_level = may\n%s" % (HOST, main_extra))
    shutil.copy(MASTER_CF, str(conf / "master.cf"))
    if master_extra:
        with open(str(conf / "master.cf"), "a") as handle:
            handle.write(master_extra)
    return str(conf)


def cert_config(tmp_path, cert, key):
    return make_config(tmp_path, "smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n" % (cert, key))


def only_certificate(result):
    assert not result.get("failed"), result
    (cert,) = result["postfix_info"]["certificates"]
    return cert


def assert_unreadable(result, elapsed, *words):
    """The certificate is reported unreadable (with every fact key present) and becomes cert_unreadable."""
    assert elapsed < WITHIN, elapsed
    cert = only_certificate(result)
    for word in words:
        assert word in cert["error"], cert["error"]
    assert cert["public_key"] is None
    assert {"subject", "not_after", "days_left", "key_matches", "key_bits", "sans"} <= set(cert)
    findings = tls_findings(result["postfix_info"])
    assert [f["service"] for f in findings if f["id"] == "cert_unreadable"] == ["smtp"]
    return cert


# ------------------------------------------------------------------ special files as certificate or key


@pytest.fixture
def good_pair(tmp_path):
    return write_cert(tmp_path, "good")


def test_certificate_dev_zero_is_reported_not_read(tmp_path):
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, "/dev/zero", "/dev/zero")}, tmp_path)
    assert_unreadable(result, elapsed, "/dev/zero", "character device")
    assert result["postfix_info"]["fingerprints"]["/dev/zero"] is None
    assert "character device" in result["postfix_info"]["fingerprint_errors"]["/dev/zero"]


def test_certificate_fifo_without_writer_is_reported_not_opened(tmp_path, good_pair):
    fifo = str(tmp_path / "cert.fifo")
    os.mkfifo(fifo)
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, fifo, good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, fifo, "FIFO")


def test_key_dev_zero_is_reported_as_a_key_problem(tmp_path, good_pair):
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], "/dev/zero")}, tmp_path)
    cert = assert_unreadable(result, elapsed, "key file /dev/zero", "character device")
    # The certificate itself was still read.
    assert cert["sans"] == [HOST]


def test_key_fifo_is_reported_as_a_key_problem(tmp_path, good_pair):
    fifo = str(tmp_path / "key.fifo")
    os.mkfifo(fifo)
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], fifo)}, tmp_path)
    assert_unreadable(result, elapsed, "key file", "FIFO")


def test_chain_files_with_dev_zero_and_fifo(tmp_path, good_pair):
    fifo = str(tmp_path / "chain.fifo")
    os.mkfifo(fifo)
    conf = make_config(tmp_path, "smtpd_tls_chain_files = /dev/zero, %s\n" % fifo)
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert elapsed < WITHIN, elapsed
    errors = sorted(c["error"] for c in result["postfix_info"]["certificates"])
    assert len(errors) == 2 and "character device" in errors[0] and "FIFO" in errors[1], errors


def test_certificate_directory_is_reported(tmp_path, good_pair):
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(tmp_path), good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "a directory")


def test_certificate_symlink_loop_is_reported(tmp_path, good_pair):
    loop_a, loop_b = str(tmp_path / "loop-a.pem"), str(tmp_path / "loop-b.pem")
    os.symlink(loop_b, loop_a)
    os.symlink(loop_a, loop_b)
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, loop_a, good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "symlink loop")


def test_missing_certificate_reports_cert_unreadable_with_every_fact_null(tmp_path, good_pair):
    """Item 13's trigger: the entry must carry public_key (null), or the role's records crash."""
    missing = str(tmp_path / "missing.crt")
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, missing, good_pair[1])}, tmp_path)
    cert = assert_unreadable(result, elapsed, missing, "No such file")
    assert [cert[k] for k in ("subject", "days_left", "expired", "key_matches")] == [None, None, None, None]


def test_missing_key_is_reported(tmp_path, good_pair):
    missing = str(tmp_path / "missing.key")
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], missing)}, tmp_path)
    assert_unreadable(result, elapsed, "key file", "No such file")


# ------------------------------------------------------------------ big, garbage and malformed content


def test_large_non_pem_file_is_refused_by_size(tmp_path, good_pair):
    big = tmp_path / "big.crt"
    big.write_bytes(os.urandom(4 * 1024 * 1024))
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(big), good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "4194304 bytes", "more than")


def test_large_text_below_the_limit_is_not_handed_to_openssl(tmp_path, good_pair):
    """A 1 MB non-PEM text took openssl x509 4.5 s (quadratic); it must not reach openssl at all."""
    text = tmp_path / "text.crt"
    text.write_text(("A" * 1023 + "\n") * 1000)
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(text), good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "holds no PEM certificate")


def test_leaf_after_a_large_preamble_is_still_read(tmp_path, good_pair):
    chain = tmp_path / "preamble.crt"
    with open(good_pair[0]) as handle:
        chain.write_text("# comment\n" * 50000 + handle.read())
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, str(chain), good_pair[1])}, tmp_path)
    cert = only_certificate(result)
    assert "error" not in cert and cert["key_matches"] is True and cert["sans"] == [HOST]


def test_binary_garbage_certificate(tmp_path, good_pair):
    garbage = tmp_path / "garbage.crt"
    garbage.write_bytes(bytes(range(256)) * 64)
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(garbage), good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "holds no PEM certificate")


def test_corrupt_base64_in_certificate(tmp_path, good_pair):
    with open(good_pair[0]) as handle:
        lines = handle.read().splitlines()
    lines[3] = "A" * len(lines[3])
    corrupt = tmp_path / "corrupt.crt"
    corrupt.write_text("\n".join(lines) + "\n")
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(corrupt), good_pair[1])}, tmp_path)
    cert = assert_unreadable(result, elapsed)
    assert cert["error"]  # openssl's own reason


def test_certificate_with_a_private_key_only(tmp_path, good_pair):
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[1], good_pair[1])}, tmp_path)
    assert_unreadable(result, elapsed, "holds no PEM certificate")


def test_encrypted_key_does_not_prompt(tmp_path, good_pair):
    encrypted = str(tmp_path / "enc.key")
    subprocess.run(
        ["openssl", "pkey", "-in", good_pair[1], "-aes256", "-passout", "pass:secret", "-out", encrypted],
        check=True,
        capture_output=True,
    )
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], encrypted)}, tmp_path)
    assert elapsed < WITHIN
    cert = only_certificate(result)
    assert cert["key_matches"] is None and "error" not in cert


# ------------------------------------------------------------------ certificates that parse but are wrong


def test_expired_certificate(tmp_path):
    cert, key = write_cert(tmp_path, "expired", days_from=-400, days_to=-3)
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, cert, key)}, tmp_path)
    facts = only_certificate(result)
    assert facts["expired"] is True and facts["days_left"] < 0 and facts["not_yet_valid"] is False
    expiring = [f for f in tls_findings(result["postfix_info"]) if f["id"] == "cert_expiring"]
    assert [f["severity"] for f in expiring] == ["high"]


def test_not_yet_valid_certificate(tmp_path):
    cert, key = write_cert(tmp_path, "future", days_from=30, days_to=400)
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, cert, key)}, tmp_path)
    facts = only_certificate(result)
    assert facts["not_yet_valid"] is True and facts["expired"] is False
    assert facts["not_before"] > datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_key_of_another_certificate(tmp_path):
    cert, _key = write_cert(tmp_path, "one")
    _cert, other_key = write_cert(tmp_path, "two")
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, cert, other_key)}, tmp_path)
    assert only_certificate(result)["key_matches"] is False
    assert [f["id"] for f in tls_findings(result["postfix_info"]) if f["id"] == "cert_key_mismatch"]


def test_weak_rsa_1024_certificate_is_read_and_flagged(tmp_path):
    cert, key = write_cert(tmp_path, "weak", key=rsa.generate_private_key(65537, 1024))
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, cert, key)}, tmp_path)
    facts = only_certificate(result)
    assert (facts["key_type"], facts["key_bits"], facts["key_matches"]) == ("RSA", 1024, True)
    assert [f["severity"] for f in tls_findings(result["postfix_info"]) if f["id"] == "weak_key"] == ["high"]


# ------------------------------------------------------------------ fingerprint paths


def test_fingerprint_dev_zero_without_certificate_inspection(tmp_path):
    conf = make_config(tmp_path)
    result, elapsed = run_info(
        {"config_dir": conf, "fingerprint": ["/dev/zero"], "inspect_certificates": False}, tmp_path
    )
    assert elapsed < WITHIN, elapsed
    info = result["postfix_info"]
    assert info["fingerprints"]["/dev/zero"] is None
    assert "character device" in info["fingerprint_errors"]["/dev/zero"]
    assert info["fingerprints"][os.path.join(conf, "main.cf")]  # the rest is still fingerprinted


def test_fingerprint_fifo_directory_loop_and_missing(tmp_path):
    conf = make_config(tmp_path)
    fifo = str(tmp_path / "fp.fifo")
    os.mkfifo(fifo)
    loop = str(tmp_path / "fp-loop")
    os.symlink(loop, loop)
    missing = str(tmp_path / "missing")
    result, elapsed = run_info({"config_dir": conf, "fingerprint": [fifo, str(tmp_path), loop, missing]}, tmp_path)
    assert elapsed < WITHIN, elapsed
    errors = result["postfix_info"]["fingerprint_errors"]
    assert "FIFO" in errors[fifo]
    assert "a directory" in errors[str(tmp_path)]
    assert "symlink loop" in errors[loop]
    assert "No such file" in errors[missing]
    assert [result["postfix_info"]["fingerprints"][p] for p in (fifo, str(tmp_path), loop, missing)] == [None] * 4


# ------------------------------------------------------------------ main.cf and master.cf themselves


@pytest.mark.parametrize("name", ["main.cf", "master.cf"])
def test_config_file_fifo_fails_fast_naming_it(tmp_path, name):
    conf = make_config(tmp_path)
    path = os.path.join(conf, name)
    os.unlink(path)
    os.mkfifo(path)
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert elapsed < WITHIN, elapsed
    assert result["failed"] is True
    assert path in result["msg"] and "FIFO" in result["msg"]


def test_main_cf_directory_is_named_as_such(tmp_path):
    conf = make_config(tmp_path)
    os.unlink(os.path.join(conf, "main.cf"))
    os.mkdir(os.path.join(conf, "main.cf"))
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert result["failed"] is True and "main.cf is a directory" in result["msg"]


def test_main_cf_symlink_loop(tmp_path):
    conf = make_config(tmp_path)
    path = os.path.join(conf, "main.cf")
    os.unlink(path)
    os.symlink(path, path)
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert result["failed"] is True and "symlink loop" in result["msg"]


def test_symlinked_main_cf_is_followed(tmp_path):
    conf = make_config(tmp_path, "smtpd_tls_auth_only = yes\n")
    real = str(tmp_path / "real-main.cf")
    shutil.move(os.path.join(conf, "main.cf"), real)
    os.symlink(real, os.path.join(conf, "main.cf"))
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert result["postfix_info"]["main"]["smtpd_tls_auth_only"] == "yes"


def test_huge_main_cf_returns(tmp_path):
    """14 MB of comments and 100,000 parameters: postconf takes ~2.5 s here; nothing is quadratic."""
    body = "".join("# padding comment line %d .........................\n" % i for i in range(200000))
    body += "".join("custom_param_%d = value%d\n" % (i, i) for i in range(100000))
    conf = make_config(tmp_path, body + "smtpd_tls_auth_only = yes\n")
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert not result.get("failed"), result.get("msg")
    assert elapsed < 4 * WITHIN, elapsed
    assert result["postfix_info"]["main"]["smtpd_tls_auth_only"] == "yes"


# ------------------------------------------------------------------ values as Postfix reads them


def test_nbsp_after_encrypt_in_master_cf_is_part_of_the_value(tmp_path):
    conf = make_config(
        tmp_path,
        master_extra="submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\u00a0\n",
    )
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    (submission,) = [lst for lst in result["postfix_info"]["listeners"] if lst["service"] == "submission"]
    # postconf -P, the oracle, reports the NBSP as part of the value.
    oracle = subprocess.run([POSTCONF, "-c", conf, "-P"], capture_output=True, check=True).stdout.decode()
    assert "submission/inet/smtpd_tls_security_level = encrypt\u00a0\n" in oracle
    assert submission["security_level"] == "encrypt\u00a0"
    assert submission["tls_mandatory"] is False


def test_nbsp_after_encrypt_in_main_cf_is_part_of_the_value(tmp_path):
    conf = make_config(tmp_path, "smtp_tls_security_level = encrypt\u00a0\n")
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    info = result["postfix_info"]
    assert info["main"]["smtp_tls_security_level"] == "encrypt\u00a0"
    assert info["outbound"]["security_level"] == "encrypt\u00a0"


def test_latin1_byte_in_a_value_is_returned_escaped(tmp_path):
    conf = make_config(tmp_path)
    with open(os.path.join(conf, "main.cf"), "ab") as handle:
        handle.write(b"smtpd_banner = $myhostname ESMTP M\xe4il\n")
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert not result.get("failed"), result.get("msg")
    assert result["postfix_info"]["main"]["smtpd_banner"] == "$myhostname ESMTP M\\xe4il"


# ------------------------------------------------------------------ SASL socket paths


def test_sasl_path_that_is_not_a_socket(tmp_path):
    queue = tmp_path / "queue"
    (queue / "private").mkdir(parents=True)
    os.mkfifo(str(queue / "private" / "auth"))
    conf = make_config(
        tmp_path,
        "queue_directory = %s\nsmtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\n"
        "smtpd_sasl_path = private/auth\n" % queue,
    )
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert elapsed < WITHIN, elapsed
    assert [s["reachable"] for s in result["postfix_info"]["sasl_sockets"]] == [False]


def test_sasl_socket_that_never_accepts_is_bounded(tmp_path):
    """A listener with a full backlog makes connect() wait; the probe gives up within its budget."""
    queue = tmp_path / "queue"
    (queue / "private").mkdir(parents=True)
    path = str(queue / "private" / "auth")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(0)
    fillers = []
    try:
        for _filler in range(4):  # fill the backlog so the next connect blocks
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(OSError):
                filler.connect(path)
            fillers.append(filler)
        conf = make_config(
            tmp_path,
            "queue_directory = %s\nsmtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\n"
            "smtpd_sasl_path = private/auth\n" % queue,
        )
        result, elapsed = run_info({"config_dir": conf}, tmp_path)
    finally:
        for filler in fillers:
            filler.close()
        server.close()
    assert elapsed < WITHIN, elapsed
    assert [s["reachable"] for s in result["postfix_info"]["sasl_sockets"]] == [False]


# ------------------------------------------------------------------ more of the same kind


@pytest.mark.parametrize("which", ["cert", "key"])
def test_empty_certificate_or_key(tmp_path, good_pair, which):
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"")
    if which == "cert":
        result, elapsed = run_info({"config_dir": cert_config(tmp_path, str(empty), good_pair[1])}, tmp_path)
        assert_unreadable(result, elapsed, "holds no PEM certificate")
    else:
        result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], str(empty))}, tmp_path)
        assert_unreadable(result, elapsed, "key file", "is empty")


def test_key_that_is_a_directory(tmp_path, good_pair):
    result, elapsed = run_info({"config_dir": cert_config(tmp_path, good_pair[0], str(tmp_path))}, tmp_path)
    assert_unreadable(result, elapsed, "key file", "a directory")


def test_config_dir_that_is_a_file_or_missing(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    for path in (str(plain), str(tmp_path / "missing")):
        result, _elapsed = run_info({"config_dir": path}, tmp_path)
        assert result["failed"] is True and "is not a directory" in result["msg"]


def test_service_name_with_unicode_digits_does_not_crash(tmp_path):
    """postconf -M prints the name as written; int() of a superscript digit used to raise."""
    conf = make_config(tmp_path, master_extra="127.0.0.1:\u00b2\u00b3 inet n - y - - smtpd\n")
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert not result.get("failed"), result.get("msg")
    (listener,) = [lst for lst in result["postfix_info"]["listeners"] if lst["service"].startswith("127.0.0.1:")]
    assert (listener["host"], listener["port"]) == ("127.0.0.1", None)


def test_certificate_path_with_a_latin1_byte(tmp_path, good_pair):
    """A non-UTF-8 path is still found (bytes kept) and reported JSON-safe."""
    odd = os.path.join(os.fsencode(str(tmp_path)), b"m\xe4il.crt")
    shutil.copy(good_pair[0], odd)
    conf = make_config(tmp_path)
    with open(os.path.join(conf, "main.cf"), "ab") as handle:
        handle.write(b"smtpd_tls_cert_file = " + odd + b"\nsmtpd_tls_key_file = " + os.fsencode(good_pair[1]) + b"\n")
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    cert = only_certificate(result)
    assert cert["path"] == str(tmp_path) + "/m\\xe4il.crt"
    assert "error" not in cert and cert["key_matches"] is True


def test_nul_and_control_bytes_in_main_cf(tmp_path):
    conf = make_config(tmp_path)
    with open(os.path.join(conf, "main.cf"), "ab") as handle:
        handle.write(b"smtpd_banner = a\x01b\x7f\nsmtpd_tls_auth_only = yes\n")
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert not result.get("failed"), result.get("msg")
    assert result["postfix_info"]["main"]["smtpd_tls_auth_only"] == "yes"


def test_very_long_value_line(tmp_path):
    conf = make_config(tmp_path, "smtpd_client_restrictions = " + ", ".join(["permit_mynetworks"] * 100000) + "\n")
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert not result.get("failed"), result.get("msg")
    assert elapsed < WITHIN, elapsed
    (smtp,) = [lst for lst in result["postfix_info"]["listeners"] if lst["service"] == "smtp"]
    assert len(smtp["client_restrictions"]) == 100000


def test_recursive_parameter_expansion_fails_with_postconfs_reason(tmp_path):
    conf = make_config(tmp_path, "smtpd_tls_security_level = $loop_a\nloop_a = $loop_b\nloop_b = $loop_a\n")
    result, elapsed = run_info({"config_dir": conf}, tmp_path)
    assert elapsed < WITHIN, elapsed
    assert result["failed"] is True and "unreasonable macro call nesting" in result["msg"]


NOBODY = 65534


@pytest.fixture
def world_dir():
    """A directory nobody can reach (pytest's tmp_path is below a root-only directory)."""
    path = tempfile.mkdtemp(prefix="mailsec-hostile-read-")
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path)


# nobody cannot run the venv's interpreter when it lives below /root; the module needs only
# the standard library and ansible.module_utils, so the system Python of the same version does.
SYSTEM_PYTHON = "/usr/bin/python%d.%d" % sys.version_info[:2]


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON), reason="needs root and %s" % SYSTEM_PYTHON)
def test_unreadable_files_as_an_unprivileged_user(world_dir):
    """Without become: an unreadable certificate is an error; a root-only key is not (key_matches null)."""
    base = world_dir
    cert, key = write_cert(base, "pair")
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)  # root only
    hidden_cert = str(base / "hidden.crt")
    shutil.copy(cert, hidden_cert)
    os.chmod(hidden_cert, 0o600)
    conf_dir = base / "conf"
    conf_dir.mkdir()
    conf = make_config(conf_dir, "smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n" % (cert, key))
    for path in (str(conf_dir), conf, os.path.join(conf, "main.cf"), os.path.join(conf, "master.cf")):
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    args = base / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"config_dir": conf}}))
    os.chmod(str(args), 0o644)

    def as_nobody():
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    site = os.path.dirname(os.path.dirname(ansible.__file__))

    def run_as_nobody():
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-m", "ansible_collections.mailsec.postfix.plugins.modules.postfix_info", str(args)],
            capture_output=True,
            timeout=HARD_LIMIT,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join([*(p for p in sys.path if p), site]), HOME="/tmp"),
            cwd="/",
            preexec_fn=as_nobody,
            check=False,
        )
        try:
            return json.loads(proc.stdout)
        except ValueError:
            pytest.fail("no JSON result: %r %r" % (proc.stdout[-2000:], proc.stderr[-2000:]))

    cert_entry = only_certificate(run_as_nobody())
    assert "error" not in cert_entry and cert_entry["key_matches"] is None and cert_entry["sans"] == [HOST]

    with open(os.path.join(conf, "main.cf"), "a") as handle:
        handle.write("smtpd_tls_cert_file = %s\n" % hidden_cert)
    cert_entry = only_certificate(run_as_nobody())
    assert "Permission denied" in cert_entry["error"] and cert_entry["public_key"] is None


# ------------------------------------------------------------------ commands that do not finish in time
#
# The real commands run, in process, with the timeout of one kind of command cut to almost
# nothing: what a command that hangs looks like to the module, without waiting 30 seconds.

_real_spec = importlib.util.spec_from_file_location(
    "postfix_info_real", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_postfix_info_real.py")
)
real = importlib.util.module_from_spec(_real_spec)
_real_spec.loader.exec_module(real)


def _starve(monkeypatch, command_name):
    original = _bounded_io.run

    def run(argv, timeout=_bounded_io.COMMAND_TIMEOUT, data=None):
        if os.path.basename(argv[0]) == command_name:
            timeout = 1e-6
        return original(argv, timeout=timeout, data=data)

    monkeypatch.setattr(_bounded_io, "run", run)


def test_postconf_timeout_fails_naming_the_read(monkeypatch, tmp_path, good_pair):
    _starve(monkeypatch, "postconf")
    result = real.run_module(monkeypatch, {"config_dir": cert_config(tmp_path, *good_pair)})
    assert result["failed"] is True
    assert result["msg"].startswith("postconf -n: ") and "did not finish within" in result["msg"]


def test_openssl_timeout_is_a_certificate_error(monkeypatch, tmp_path, good_pair):
    _starve(monkeypatch, "openssl")
    result = real.run_module(monkeypatch, {"config_dir": cert_config(tmp_path, *good_pair)})
    (cert,) = result["postfix_info"]["certificates"]
    assert "openssl did not finish within" in cert["error"] and cert["public_key"] is None
    assert [f["id"] for f in tls_findings(result["postfix_info"]) if f["id"] == "cert_unreadable"]


def test_postfix_status_timeout_is_a_warning_and_unknown_state(monkeypatch, tmp_path, good_pair):
    _starve(monkeypatch, "postfix")
    warnings = []
    monkeypatch.setattr(real.basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    result = real.run_module(monkeypatch, {"config_dir": cert_config(tmp_path, *good_pair)})
    assert result["postfix_info"]["running"] is None
    assert any(w.startswith("postfix status: ") and "did not finish" in w for w in warnings), warnings


def test_san_that_prints_like_two_names_does_not_cover_myhostname(tmp_path):
    """A dNSName "evil.example, DNS:mx.example.org" is printed by openssl exactly like two SANs."""
    cert, key = write_cert(tmp_path, "inject", names=("evil.example, DNS:%s" % HOST,))
    result, _elapsed = run_info({"config_dir": cert_config(tmp_path, cert, key)}, tmp_path)
    facts = only_certificate(result)
    assert facts["covers_hostname"] is False
    assert [f["id"] for f in tls_findings(result["postfix_info"]) if f["id"] == "cert_name_mismatch"]


def test_wildcard_and_exact_names_still_cover_myhostname(tmp_path):
    exact, exact_key = write_cert(tmp_path, "exact")
    wild, wild_key = write_cert(tmp_path, "wild", names=("*.example.org",))
    apex, apex_key = write_cert(tmp_path, "apex", names=("*.%s" % HOST,))
    conf = make_config(
        tmp_path,
        "smtpd_tls_chain_files = %s\n" % ", ".join([exact_key, exact, wild_key, wild, apex_key, apex]),
    )
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    covers = {c["path"]: c["covers_hostname"] for c in result["postfix_info"]["certificates"]}
    assert covers == {exact: True, wild: True, apex: False}


def test_nbsp_read_the_same_without_postconf(monkeypatch, tmp_path):
    """The files fallback parses main.cf/master.cf with the same ASCII-only rules as postconf."""
    conf = make_config(
        tmp_path,
        "smtp_tls_security_level = encrypt\u00a0\n",
        master_extra="submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\u00a0\n",
    )
    via_postconf = real.run_module(monkeypatch, {"config_dir": conf})["postfix_info"]
    real._without_postconf(monkeypatch)
    via_files = real.run_module(monkeypatch, {"config_dir": conf})["postfix_info"]
    assert via_files["source"] == "files"
    for info in (via_postconf, via_files):
        (submission,) = [lst for lst in info["listeners"] if lst["service"] == "submission"]
        assert submission["security_level"] == "encrypt\u00a0"
        assert info["outbound"]["security_level"] == "encrypt\u00a0"


def test_checkhost_mismatch_exit_status_of_openssl_3_2_is_not_an_unreadable_certificate(monkeypatch, tmp_path):
    """OpenSSL 3.2+ (Debian 13 ships 3.5) exits 1 when -checkhost finds no match; 3.0 exits 0.

    The real openssl runs; its exit status is set as the newer versions set it.
    """
    original = _bounded_io.run

    def run(argv, timeout=_bounded_io.COMMAND_TIMEOUT, data=None):
        rc, out, err = original(argv, timeout=timeout, data=data)
        if "-checkhost" in argv and "does NOT match certificate" in out:
            rc = 1
        return rc, out, err

    monkeypatch.setattr(_bounded_io, "run", run)
    cert, key = write_cert(tmp_path, "other", names=("*.example.net",))
    result = real.run_module(monkeypatch, {"config_dir": cert_config(tmp_path, cert, key)})
    (facts,) = result["postfix_info"]["certificates"]
    assert "error" not in facts and facts["covers_hostname"] is False and facts["public_key"]
    ids = [f["id"] for f in tls_findings(result["postfix_info"])]
    assert "cert_name_mismatch" in ids and "cert_unreadable" not in ids


# ---------------------------------------------------------------- the record option


def _record_of(tmp_path, path):
    result, elapsed = run_info({"config_dir": make_config(tmp_path), "record": path}, tmp_path)
    assert not result.get("failed"), result
    assert elapsed < WITHIN, elapsed
    return result["postfix_info"]


def test_record_is_returned_parsed(tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps({"format": 2, "parts": {"config": "a" * 64}}))
    info = _record_of(tmp_path, str(path))
    assert info["record"] == {"format": 2, "parts": {"config": "a" * 64}} and "record_error" not in info


def test_no_record_option_and_a_missing_record_are_no_error(tmp_path):
    conf = make_config(tmp_path)
    result, _elapsed = run_info({"config_dir": conf}, tmp_path)
    assert result["postfix_info"]["record"] is None and "record_error" not in result["postfix_info"]
    result, _elapsed = run_info({"config_dir": conf, "record": str(tmp_path / "missing.json")}, tmp_path)
    info = result["postfix_info"]
    assert info["record"] is None and "record_error" not in info


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda p: "/dev/zero", "character device"),
        (lambda p: os.mkfifo(str(p / "r.fifo")) or str(p / "r.fifo"), "FIFO"),
        (str, "directory"),
        (lambda p: (p / "big.json").write_text("[" + "1," * 40000 + "1]") and str(p / "big.json"), "65536"),
        (lambda p: (p / "bad.json").write_bytes(b"\xff\xfe{") and str(p / "bad.json"), "is not JSON"),
        (lambda p: (p / "list.json").write_text("[1, 2]") and str(p / "list.json"), "holds a JSON list, not an object"),
    ],
)
def test_a_hostile_record_is_reported_not_trusted(tmp_path, make, words):
    path = make(tmp_path)
    info = _record_of(tmp_path, path)
    assert info["record"] is None
    assert words in info["record_error"], info["record_error"]
