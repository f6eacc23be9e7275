# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""postfix_config against the real Postfix: the pair is validated together, written together
or not at all, and postconf -n/-M/-P report what was asked."""

import errno
import json
import os
import shutil
import subprocess
from unittest import mock

import pytest

from ansible_collections.mailsec.postfix.plugins.modules import maincf, postfix_config
from ansible_collections.mailsec.postfix.tests.integration.test_hostile_write import module_command, module_env
from ansible_collections.mailsec.postfix.tests.module_harness import run_module

POSTCONF = "/usr/sbin/postconf"
pytestmark = pytest.mark.skipif(not os.path.exists(POSTCONF), reason="Postfix (postconf) is not installed")

STOCK_MAIN = next(p for p in ("/etc/postfix/main.cf", "/usr/share/postfix/main.cf.debian") if os.path.exists(p))
STOCK_MASTER = "/etc/postfix/master.cf"

PARAMS = {
    "smtpd_tls_security_level": "may",
    "smtpd_tls_auth_only": True,
    "mua_client_restrictions": ["permit_sasl_authenticated", "reject"],
}
SUBMISSION = {
    "name": "submission",
    "type": "inet",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {
        "syslog_name": "postfix/submission",
        "smtpd_tls_security_level": "encrypt",
        "smtpd_sasl_auth_enable": True,
        "smtpd_client_restrictions": "$mua_client_restrictions",
    },
}


def run(args, check_mode=False):
    return run_module(postfix_config.main, args, check_mode=check_mode)


def postconf(confdir, *args):
    return subprocess.run([POSTCONF, "-c", str(confdir), *args], capture_output=True, text=True, check=True).stdout


def parsed(text):
    values = {}
    for line in text.splitlines():
        name, _sep, value = line.partition(" = ")
        values[name] = value
    return values


@pytest.fixture
def confdir(tmp_path):
    # postfix check also inspects (and may create) the queue and data directories: give it private ones.
    (tmp_path / "queue").mkdir()
    (tmp_path / "data").mkdir()
    with open(STOCK_MAIN, "rb") as handle:
        stock = handle.read()
    extra = "queue_directory = %s/queue\ndata_directory = %s/data\n" % (tmp_path, tmp_path)
    (tmp_path / "main.cf").write_bytes(stock + extra.encode())
    shutil.copy(STOCK_MASTER, tmp_path / "master.cf")
    return tmp_path


def snapshot(confdir):
    return {name: (confdir / name).read_bytes() for name in ("main.cf", "master.cf")}


def pair_args(confdir, **extra):
    return dict(
        {
            "config_dir": str(confdir),
            "params": PARAMS,
            "services": [SUBMISSION],
            "allow_unknown": ["mua_client_restrictions"],
        },
        **extra,
    )


def test_pair_edit_with_override_referring_to_new_param_validates_and_is_idempotent(confdir):
    """Staged as a pair, the new $mua_client_restrictions is used by master.cf: no allow_unknown needed."""
    args = pair_args(confdir)
    del args["allow_unknown"]
    result = run(args)
    assert not result["failed"], result
    assert result["changed"] is True
    assert result["changed_params"] == list(PARAMS)
    assert result["changed_services"] == ["submission/inet"]
    assert [d["before_header"] for d in result["diff"]] == [
        "%s (before)" % (confdir / "main.cf"),
        "%s (before)" % (confdir / "master.cf"),
    ]
    assert "mua_client_restrictions = permit_sasl_authenticated, reject" in result["diff"][0]["after"]
    assert "smtpd_client_restrictions=$mua_client_restrictions" in result["diff"][1]["after"]
    # Postfix is the oracle.
    main = parsed(postconf(confdir, "-n"))
    assert main["mua_client_restrictions"] == "permit_sasl_authenticated, reject"
    assert main["smtpd_tls_auth_only"] == "yes"
    overrides = parsed(postconf(confdir, "-P"))
    assert overrides["submission/inet/smtpd_client_restrictions"] == "$mua_client_restrictions"
    assert parsed(postconf(confdir, "-P", "-x"))["submission/inet/smtpd_client_restrictions"] == (
        "permit_sasl_authenticated, reject"
    )
    listed = [line.split() for line in postconf(confdir, "-M").splitlines()]
    assert ["submission", "inet", "n", "-", "y", "-", "-", "smtpd"] in [fields[:8] for fields in listed]

    after = snapshot(confdir)
    again = run(args)
    assert again["changed"] is False, again
    assert again["changed_params"] == [] and again["changed_services"] == []
    assert snapshot(confdir) == after


def test_override_value_checked_after_expansion_of_new_param(confdir):
    """A $name override is judged by what Postfix expands it to, from the main.cf of the same call."""
    before = snapshot(confdir)
    service = dict(SUBMISSION, options={"smtpd_tls_security_level": "$submission_level"})
    result = run(
        {
            "config_dir": str(confdir),
            "params": {"submission_level": "encrypted"},
            "allow_unknown": ["submission_level"],
            "services": [service],
        }
    )
    assert result["failed"]
    assert "submission/inet" in result["msg"] and "smtpd_tls_security_level" in result["msg"]
    assert "encrypted" in result["msg"]
    assert snapshot(confdir) == before


@pytest.mark.parametrize(
    ("params", "services", "needles"),
    [
        ({"message_size_limit": "10M"}, [SUBMISSION], ["message_size_limit", "neither file"]),
        ({"smtpd_tls_auth_only": "maybe"}, [SUBMISSION], ["smtpd_tls_auth_only"]),
        (
            {},
            [dict(SUBMISSION, options={"smtpd_tls_security_level": "encrypted"})],
            ["service submission/inet", "smtpd_tls_security_level", "encrypted"],
        ),
        ({"smtpd_tls_securty_level": "may"}, [SUBMISSION], ["smtpd_tls_securty_level"]),
        ({}, [dict(SUBMISSION, options={"smtpd_tls_securty_level": "encrypt"})], ["submission/inet"]),
    ],
    ids=["bad-size-main", "bad-bool-main", "bad-level-master", "unknown-name-main", "unknown-option-master"],
)
def test_a_bad_value_in_either_file_leaves_both_byte_identical(confdir, params, services, needles):
    before = snapshot(confdir)
    result = run(
        {
            "config_dir": str(confdir),
            "params": dict(PARAMS, **params),
            "services": services,
            "allow_unknown": ["mua_client_restrictions"],
        }
    )
    assert result["failed"], result
    for needle in needles:
        assert needle in result["msg"]
    assert snapshot(confdir) == before
    assert not [n for n in os.listdir(confdir) if n.startswith(".mailsec-") or n.endswith(".tmp")]


def test_postfix_check_runs_on_the_staged_pair(confdir):
    """postfix check refuses a bad main.cf value it reads itself: nothing is written."""
    before = snapshot(confdir)
    result = run(pair_args(confdir, params=dict(PARAMS, default_process_limit="many")))
    assert result["failed"]
    assert "default_process_limit" in result["msg"]
    assert snapshot(confdir) == before


def test_check_mode_predicts_with_both_diffs_and_writes_nothing(confdir):
    before = snapshot(confdir)
    predicted = run(pair_args(confdir), check_mode=True)
    assert predicted["changed"] is True
    assert snapshot(confdir) == before
    assert sorted(os.listdir(confdir)) == ["data", "main.cf", "master.cf", "queue"]
    applied = run(pair_args(confdir))
    assert [d["after"] for d in predicted["diff"]] == [d["after"] for d in applied["diff"]]
    assert predicted["changed_params"] == applied["changed_params"]
    assert predicted["changed_services"] == applied["changed_services"]
    assert run(pair_args(confdir), check_mode=True)["changed"] is False


def test_failed_second_rename_restores_the_first_file(confdir):
    before = snapshot(confdir)
    main_inode = os.stat(confdir / "main.cf").st_ino
    real_rename = os.rename

    def rename(src, dst):
        if os.path.basename(str(dst)) == "master.cf":
            raise OSError(errno.EIO, "Input/output error (simulated)", str(dst))
        return real_rename(src, dst)

    with mock.patch.object(os, "rename", rename):
        result = run(pair_args(confdir))
    assert result["failed"], result
    assert "Could not replace" in result["msg"] and "master.cf" in result["msg"]
    assert "main.cf restored" in result["msg"]
    assert snapshot(confdir) == before
    assert os.stat(confdir / "main.cf").st_ino == main_inode
    assert sorted(os.listdir(confdir)) == ["data", "main.cf", "master.cf", "queue"]
    # and the pair still applies afterwards
    assert run(pair_args(confdir))["changed"] is True


def test_backup_of_both_files_and_secrets_redacted(confdir):
    before = snapshot(confdir)
    result = run(
        pair_args(
            confdir,
            params=dict(PARAMS, smtp_sasl_password_maps="static:relayuser:S3cretPass"),
            backup=True,
        )
    )
    assert not result["failed"], result
    assert set(result["backup_files"]) == {"main.cf", "master.cf"}
    for name, path in result["backup_files"].items():
        with open(path, "rb") as handle:
            assert handle.read() == before[name]
    assert "S3cretPass" not in repr(result)
    assert "S3cretPass" in (confdir / "main.cf").read_text()


def test_maincf_alone_and_pair_share_the_lock_order(confdir):
    """A lock file left by an interrupted postconf -e is taken over, not waited on forever."""
    (confdir / "main.cf.tmp").write_text("")
    os.chmod(confdir / "main.cf.tmp", 0o600)
    result = run(pair_args(confdir))
    assert not result["failed"], result
    assert not os.path.exists(confdir / "main.cf.tmp")
    assert not os.path.exists(confdir / "master.cf.tmp")


def test_maincf_alone_cannot_validate_what_only_the_pair_makes_valid(confdir):
    """Counterpart of the pair test: main.cf alone, staged with the master.cf on disk, is refused."""
    before = snapshot(confdir)
    result = run_module(maincf.main, {"config_dir": str(confdir), "params": PARAMS})
    assert result["failed"]
    assert "Postfix does not know the parameter mua_client_restrictions" in result["msg"]
    assert snapshot(confdir) == before


def test_parallel_pair_and_single_file_runs_neither_deadlock_nor_lose_edits(confdir):
    """postfix_config locks main.cf then master.cf; maincf and mastercf each take one of the two."""
    procs = []
    for n in range(5):
        procs.append(
            (
                "postfix_config",
                {
                    "config_dir": str(confdir),
                    "params": {"race_restrictions_%d" % n: "permit_mynetworks, reject"},
                    "services": [
                        {
                            "name": "127.0.0.1:%d" % (10020 + n),
                            "command": "smtpd",
                            "options": {"smtpd_client_restrictions": "$race_restrictions_%d" % n},
                        }
                    ],
                },
            )
        )
    single_params = {"smtpd_tls_loglevel": "1", "delay_warning_time": "4h", "smtpd_helo_required": "yes"}
    for name, value in single_params.items():
        procs.append(("maincf", {"config_dir": str(confdir), "params": {name: value}}))
    for n in range(3):
        procs.append(
            (
                "mastercf",
                {"config_dir": str(confdir), "services": [{"name": "[::1]:%d" % (2525 + n), "command": "smtpd"}]},
            )
        )
    running = [
        subprocess.Popen(module_command(name, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=module_env())
        for name, args in procs
    ]
    results = []
    for proc in running:
        out, err = proc.communicate(timeout=600)
        assert out, err.decode(errors="replace")
        results.append(json.loads(out))
    assert [r.get("failed", False) for r in results] == [False] * len(procs), [r.get("msg") for r in results]
    main = parsed(postconf(confdir, "-n"))
    for n in range(5):
        assert main["race_restrictions_%d" % n] == "permit_mynetworks, reject"
    for name, value in single_params.items():
        assert main[name] == value
    services = {tuple(line.split()[:2]) for line in postconf(confdir, "-M").splitlines()}
    for n in range(5):
        assert ("127.0.0.1:%d" % (10020 + n), "inet") in services
    for n in range(3):
        assert ("[::1]:%d" % (2525 + n), "inet") in services
    overrides = parsed(postconf(confdir, "-P", "-x"))
    assert overrides["127.0.0.1:10024/inet/smtpd_client_restrictions"] == "permit_mynetworks, reject"
    assert sorted(os.listdir(confdir)) == ["data", "main.cf", "master.cf", "queue"]
