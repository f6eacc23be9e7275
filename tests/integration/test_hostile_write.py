# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile input and faults on the write path (issue 17): maincf and mastercf against
the real postconf/postfix. Every case ends in a clean error with the files
byte-identical, or in a file Postfix reads as intended that a second run leaves alone."""

import errno
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_stage
from ansible_collections.mailsec.postfix.plugins.modules import maincf, mastercf

POSTCONF = "/usr/sbin/postconf"
POSTFIX = "/usr/sbin/postfix"
STOCK_MAIN = next(
    (p for p in ("/etc/postfix/main.cf", "/usr/share/postfix/main.cf.debian") if os.path.exists(p)),
    None,
)
STOCK_MASTER = "/etc/postfix/master.cf"
needs_postfix = pytest.mark.skipif(
    not (os.path.exists(POSTCONF) and os.path.exists(POSTFIX) and STOCK_MAIN and os.path.exists(STOCK_MASTER)),
    reason="Postfix (postconf, postfix, stock main.cf/master.cf) is not installed",
)
COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".build", "collections"))


class ModuleExit(Exception):
    pass


def run_in_process(module, args, check_mode=False):
    """Run module.main() with args; return its result dict."""
    payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)

    def exit_json(self, **kwargs):
        kwargs.setdefault("failed", False)
        raise ModuleExit(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.update(failed=True, msg=msg)
        raise ModuleExit(kwargs)

    hooks = dict(exit_json=exit_json, fail_json=fail_json)
    with patch_module_args(payload), mock.patch.multiple(basic.AnsibleModule, **hooks), pytest.raises(
        ModuleExit
    ) as caught:
        module.main()
    return caught.value.args[0]


def module_command(name, args, check_mode=False):
    """argv that runs a module as Ansible would on the managed node (a real process)."""
    payload = {"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)}
    return [sys.executable, "-m", "ansible_collections.mailsec.postfix.plugins.modules.%s" % name, json.dumps(payload)]


def module_env():
    env = dict(os.environ)
    roots = [p for p in env.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    roots.append(COLLECTIONS_ROOT)
    env["PYTHONPATH"] = os.pathsep.join([*roots, env.get("PYTHONPATH", "")])
    return env


def run_process(name, args, check_mode=False, timeout=300):
    """Run a module as a process; return (result dict parsed from its JSON, raw stdout bytes)."""
    proc = subprocess.run(
        module_command(name, args, check_mode), capture_output=True, env=module_env(), timeout=timeout, check=False
    )
    # The controller refuses output that is not valid UTF-8 JSON: so does this.
    text = proc.stdout.decode("utf-8")
    return json.loads(text), proc.stdout


def postconf(confdir, *args):
    out = subprocess.run(
        [POSTCONF, "-c", str(confdir), *args], capture_output=True, text=True, errors="surrogateescape", check=True
    )
    return out.stdout


def postconf_n(confdir):
    values = {}
    for line in postconf(confdir, "-n").splitlines():
        name, _sep, value = line.partition(" = ")
        values[name] = value
    values.pop("config_directory", None)
    return values


def postfix_check(confdir):
    """(rc, output) of the real `postfix -c DIR check` (on a terminal, so it says why)."""
    rc, _out, text = _postfix_stage.run_with_terminal([POSTFIX, "-c", str(confdir), "check"])
    return rc, text


def leftovers(confdir):
    return sorted(name for name in os.listdir(confdir) if name.startswith(".mailsec-") or name.endswith(".tmp"))


def snapshot(confdir):
    return {name: (confdir / name).read_bytes() for name in ("main.cf", "master.cf")}


@pytest.fixture
def confdir(tmp_path):
    # postfix check also inspects the queue and data directories: give it private ones.
    (tmp_path / "queue").mkdir()
    (tmp_path / "data").mkdir()
    with open(STOCK_MAIN, "rb") as handle:
        stock = handle.read()
    extra = "queue_directory = %s/queue\ndata_directory = %s/data\n" % (tmp_path, tmp_path)
    (tmp_path / "main.cf").write_bytes(stock + extra.encode())
    with open(STOCK_MASTER, "rb") as handle:
        (tmp_path / "master.cf").write_bytes(handle.read())
    return tmp_path


def main(confdir, params, check_mode=False, **extra):
    return run_in_process(maincf, dict({"config_dir": str(confdir), "params": params}, **extra), check_mode)


def master(confdir, services, check_mode=False, **extra):
    return run_in_process(mastercf, dict({"config_dir": str(confdir), "services": services}, **extra), check_mode)


SUBMISSION = {
    "name": "submission",
    "type": "inet",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {"syslog_name": "postfix/submission"},
}

# ---------------------------------------------------------------- 1. values Postfix refuses

BAD_MAIN_VALUES = [
    ("message_size_limit", "10M", "bad numerical configuration: message_size_limit = 10M"),
    ("smtpd_tls_auth_only", "maybe", "bad boolean configuration: smtpd_tls_auth_only = maybe"),
    ("smtpd_tls_security_level", "encrypted", 'Invalid TLS level "encrypted"'),
    ("smtpd_tls_security_level", "dane", 'Invalid TLS level "dane"'),
    ("smtp_tls_security_level", "strict", 'Invalid TLS level "strict"'),
    ("smtpd_tls_security_level", "encrypt\u00a0", 'Invalid TLS level "encrypt\\xa0"'),
    ("ipc_timeout", "5x", "bad time value or unit: 5x"),
    ("ipc_timeout", "-1", "bad time value or unit: -1"),
    ("smtpd_tls_protocols", ">=TLSv1.4", "unknown protocol >=TLSv1.4"),
    ("smtpd_tls_mandatory_ciphers", "strong", "invalid value 'strong'"),
    ("smtpd_sasl_security_options", ["noanonymous", "noplaintxt"], 'value "noplaintxt"'),
    ("default_process_limit", 0, "invalid default_process_limit parameter value 0 < 1"),
    ("smtpd_use_tls", "", "bad boolean configuration: smtpd_use_tls = "),
    ("smtpd_sasl_auth_enable", "true", "bad boolean configuration"),
]


@needs_postfix
@pytest.mark.parametrize(("name", "value", "wording"), BAD_MAIN_VALUES)
def test_maincf_refuses_value_postfix_refuses_and_leaves_files_identical(confdir, name, value, wording):
    before = snapshot(confdir)
    result = main(confdir, {name: value})
    assert result["failed"], result
    assert name in result["msg"]
    assert wording in result["msg"]
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


@needs_postfix
def test_maincf_bad_value_is_what_postfix_check_refuses_too(confdir):
    # The oracle: written by hand, postfix check fails with the same words the module used.
    result = main(confdir, {"message_size_limit": "10M"})
    with open(confdir / "main.cf", "a") as handle:
        handle.write("message_size_limit = 10M\n")
    rc, text = postfix_check(confdir)
    assert rc != 0
    assert "bad numerical configuration: message_size_limit = 10M" in text
    assert "bad numerical configuration: message_size_limit = 10M" in result["msg"]


GOOD_MAIN_VALUES = {
    "message_size_limit": 10240000,
    "smtpd_tls_auth_only": "YES",
    "smtpd_tls_security_level": "Encrypt",
    "smtp_tls_security_level": "dane",
    "ipc_timeout": "3600s",
    "daemon_timeout": "18000",
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1",
    "smtpd_tls_mandatory_ciphers": "high",
    "smtpd_sasl_security_options": ["noanonymous", "noplaintext"],
    "smtpd_tls_loglevel": 1,
    "inet_protocols": "ipv4",
}


@needs_postfix
def test_maincf_accepts_values_postfix_accepts_and_postfix_check_passes(confdir):
    result = main(confdir, GOOD_MAIN_VALUES)
    assert not result["failed"], result
    assert result["changed"] is True
    assert postfix_check(confdir)[0] == 0
    assert main(confdir, GOOD_MAIN_VALUES)["changed"] is False


@needs_postfix
def test_maincf_checks_a_dollar_value_after_postfix_expands_it(confdir):
    before = snapshot(confdir)
    result = main(
        confdir,
        {"my_level": "encrypted", "smtpd_tls_security_level": "$my_level"},
        allow_unknown=["my_level"],
    )
    assert result["failed"]
    assert "after $name expansion" in result["msg"]
    assert 'smtpd_tls_security_level: Invalid TLS level "encrypted"' in result["msg"]
    assert snapshot(confdir) == before
    ok = main(confdir, {"my_level": "encrypt", "smtpd_tls_security_level": "$my_level"}, allow_unknown=["my_level"])
    assert ok["changed"] is True
    assert postconf(confdir, "-xh", "smtpd_tls_security_level").strip() == "encrypt"


@needs_postfix
def test_maincf_refuses_a_dollar_expansion_loop_that_postfix_would_evaluate(confdir):
    before = snapshot(confdir)
    loop = {"loop_a": "$loop_b", "loop_b": "$loop_a"}
    result = main(confdir, dict(loop, smtpd_banner="$loop_a ESMTP"), allow_unknown=["loop_a", "loop_b"])
    assert result["failed"]
    assert "macro" in result["msg"]
    assert snapshot(confdir) == before
    # A loop nothing refers to is never evaluated by Postfix: harmless, and written.
    result = main(confdir, loop, allow_unknown=["loop_a", "loop_b"])
    assert result["changed"] is True
    assert postfix_check(confdir)[0] == 0


@needs_postfix
def test_maincf_reports_postfix_check_failure_in_postfix_words_against_the_real_path(confdir):
    # Not in the typed table: only postfix check knows the user does not exist.
    before = snapshot(confdir)
    result = main(confdir, {"mail_owner": "no_such_user_mailsec"})
    assert result["failed"]
    assert "mail_owner" in result["msg"]
    assert "no_such_user_mailsec" in result["msg"]
    assert "mailsec-postfix-stage" not in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_maincf_value_checks_are_part_of_validate(confdir):
    result = main(confdir, {"smtpd_tls_auth_only": "maybe"}, validate=False)
    assert result["changed"] is True
    assert "smtpd_tls_auth_only = maybe\n" in (confdir / "main.cf").read_text()


@needs_postfix
@pytest.mark.parametrize(
    ("name", "value", "wording"),
    [
        ("smtpd_tls_security_level", "encrypted", 'Invalid TLS level "encrypted"'),
        ("smtpd_tls_auth_only", "maybe", "bad boolean configuration: smtpd_tls_auth_only = maybe"),
        ("smtpd_client_auth_rate_limit", "ten", "bad numerical configuration"),
    ],
)
def test_mastercf_refuses_override_value_postfix_refuses(confdir, name, value, wording):
    before = snapshot(confdir)
    service = dict(SUBMISSION, options={name: value})
    result = master(confdir, [service])
    assert result["failed"], result
    assert "service submission/inet: option %s" % name in result["msg"]
    assert wording in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_mastercf_checks_a_dollar_override_after_expansion(confdir):
    main(confdir, {"sub_level": "encrypted"}, validate=False)
    before = snapshot(confdir)
    result = master(confdir, [dict(SUBMISSION, options={"smtpd_tls_security_level": "$sub_level"})])
    assert result["failed"]
    assert "after $name expansion" in result["msg"]
    assert 'Invalid TLS level "encrypted"' in result["msg"]
    assert snapshot(confdir) == before


# ---------------------------------------------------------------- 2. white space as Postfix reads it


@needs_postfix
def test_maincf_nbsp_after_level_is_part_of_the_value_and_gets_replaced(confdir):
    with open(confdir / "main.cf", "ab") as handle:
        handle.write("smtpd_tls_security_level = encrypt\u00a0\n".encode())
    assert postconf(confdir, "-h", "smtpd_tls_security_level") == "encrypt\u00a0\n"
    result = main(confdir, {"smtpd_tls_security_level": "encrypt"})
    assert result["changed"] is True
    assert result["changed_params"] == ["smtpd_tls_security_level"]
    assert postconf(confdir, "-h", "smtpd_tls_security_level") == "encrypt\n"
    assert main(confdir, {"smtpd_tls_security_level": "encrypt"})["changed"] is False


@needs_postfix
def test_mastercf_nbsp_in_override_is_part_of_the_value_and_gets_replaced(confdir):
    master(confdir, [SUBMISSION])
    text = (confdir / "master.cf").read_text()
    (confdir / "master.cf").write_text(
        text.replace("-o syslog_name=postfix/submission", "-o smtpd_tls_security_level=encrypt\u00a0", 1)
    )
    result = master(confdir, [dict(SUBMISSION, options={"smtpd_tls_security_level": "encrypt"})])
    assert result["changed"] is True
    assert "submission/inet/smtpd_tls_security_level = encrypt\n" in postconf(confdir, "-P")


@needs_postfix
def test_maincf_crlf_file_is_read_like_postfix_and_stays_crlf_elsewhere(confdir):
    text = (confdir / "main.cf").read_text().replace("\n", "\r\n")
    (confdir / "main.cf").write_bytes(text.encode())
    assert main(confdir, {"biff": False})["changed"] is False
    result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["changed"] is True
    assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"
    assert (confdir / "main.cf").read_bytes().count(b"\r\n") == text.count("\r\n")


# ---------------------------------------------------------------- 4. foreign bytes, attributes


LATIN1_COMMENT = b"# K\xe4se und Br\xf6tchen (Latin-1)\n"


@needs_postfix
@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize(("module_name", "file_name"), [("maincf", "main.cf"), ("mastercf", "master.cf")])
def test_non_utf8_bytes_are_kept_and_the_result_is_valid_json(confdir, validate, module_name, file_name):
    original = LATIN1_COMMENT + (confdir / file_name).read_bytes()
    (confdir / file_name).write_bytes(original)
    args = {"config_dir": str(confdir), "validate": validate}
    if module_name == "maincf":
        args["params"] = {"smtpd_tls_loglevel": 1}
    else:
        args["services"] = [SUBMISSION]
    result, raw = run_process(module_name, args)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert b"\\\\xe4" in raw  # shown escaped in the diff, not as invalid UTF-8
    new = (confdir / file_name).read_bytes()
    assert new.startswith(LATIN1_COMMENT)
    again, _raw = run_process(module_name, args)
    assert again["changed"] is False


@needs_postfix
@pytest.mark.parametrize(
    ("attributes", "wording"),
    [({"owner": "no_such_user_mailsec"}, "no_such_user_mailsec"), ({"mode": "u=rwz"}, "mode")],
)
@pytest.mark.parametrize("module_name", ["maincf", "mastercf"])
def test_bad_attributes_fail_before_the_file_changes(confdir, attributes, wording, module_name):
    before = snapshot(confdir)
    if module_name == "maincf":
        result = main(confdir, {"smtpd_tls_loglevel": 1}, **attributes)
    else:
        result = master(confdir, [SUBMISSION], **attributes)
    assert result["failed"], result
    assert wording in result["msg"]
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


@needs_postfix
def test_mode_is_applied_with_the_new_content(confdir):
    os.chmod(confdir / "main.cf", 0o644)
    result = main(confdir, {"smtpd_tls_loglevel": 1}, mode="0640")
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(confdir / "main.cf").st_mode) == 0o640
    assert main(confdir, {"smtpd_tls_loglevel": 1}, mode="0640")["changed"] is False


# ---------------------------------------------------------------- 5. symlinks


@needs_postfix
@pytest.mark.parametrize(("module_name", "file_name"), [("maincf", "main.cf"), ("mastercf", "master.cf")])
def test_symlinked_file_keeps_the_link_and_edits_the_target(confdir, tmp_path_factory, module_name, file_name):
    real_dir = tmp_path_factory.mktemp("real")
    target = real_dir / file_name
    os.rename(confdir / file_name, target)
    os.symlink(target, confdir / file_name)
    if module_name == "maincf":
        result = main(confdir, {"smtpd_tls_loglevel": 1})
        assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"
    else:
        result = master(confdir, [SUBMISSION])
        assert "submission/inet/syslog_name = postfix/submission" in postconf(confdir, "-P")
    assert result["changed"] is True
    assert os.path.islink(confdir / file_name)
    assert os.readlink(confdir / file_name) == str(target)
    assert leftovers(real_dir) == [] and leftovers(confdir) == []


@needs_postfix
def test_dangling_symlink_says_so(confdir):
    os.remove(confdir / "main.cf")
    os.symlink(confdir / "gone.cf", confdir / "main.cf")
    result = main(confdir, {"biff": False})
    assert result["failed"]
    assert "symbolic link" in result["msg"] and "does not exist" in result["msg"]


# ---------------------------------------------------------------- 7. unsafe_writes


def _rename_busy(real_rename, target_name):
    def rename(src, dst):
        if os.path.basename(dst) == target_name:
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(src, dst)

    return rename


@needs_postfix
def test_rename_refused_like_a_bind_mount_fails_cleanly_without_unsafe_writes(confdir):
    before = snapshot(confdir)
    with mock.patch.object(os, "rename", _rename_busy(os.rename, "main.cf")):
        result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["failed"]
    assert "unsafe_writes" in result["msg"]
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


@needs_postfix
def test_unsafe_writes_writes_in_place_when_rename_is_refused(confdir):
    inode = os.stat(confdir / "main.cf").st_ino
    with mock.patch.object(os, "rename", _rename_busy(os.rename, "main.cf")):
        result = main(confdir, {"smtpd_tls_loglevel": 1}, unsafe_writes=True)
    assert result["changed"] is True, result
    assert os.stat(confdir / "main.cf").st_ino == inode
    assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"
    assert leftovers(confdir) == []


@needs_postfix
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare for a bind mount")
def test_unsafe_writes_edits_a_real_bind_mounted_main_cf(confdir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "main.cf"
    shutil.copy(confdir / "main.cf", outside)
    args = {"config_dir": str(confdir), "params": {"smtpd_tls_loglevel": 1}}
    script = "mount --bind %s %s/main.cf && exec %s" % (
        outside,
        confdir,
        " ".join(shlex.quote(a) for a in module_command("maincf", args)),
    )
    refused = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, env=module_env(), check=False)
    if b"mount:" in refused.stderr:
        pytest.skip("bind mounts are not permitted here: %s" % refused.stderr.decode(errors="replace"))
    assert json.loads(refused.stdout)["failed"] is True
    assert b"unsafe_writes" in refused.stdout
    args["unsafe_writes"] = True
    script = "mount --bind %s %s/main.cf && exec %s" % (
        outside,
        confdir,
        " ".join(shlex.quote(a) for a in module_command("maincf", args)),
    )
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, env=module_env(), check=False)
    assert json.loads(done.stdout)["changed"] is True, done.stdout
    assert b"smtpd_tls_loglevel = 1\n" in outside.read_bytes()


# ---------------------------------------------------------------- 8, 10, 11. master.cf specifics


@needs_postfix
@pytest.mark.parametrize("args", [["-o", "smtpd_sasl_auth_enable=yes"], ["-osyslog_name=x"], ["-v", "-o", "a=b"]])
def test_mastercf_refuses_o_in_args_and_points_to_options(confdir, args):
    before = snapshot(confdir)
    result = master(confdir, [dict(SUBMISSION, args=args)])
    assert result["failed"]
    assert "options" in result["msg"] and "-o" in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_mastercf_o_after_the_command_operand_is_an_argument_and_idempotent(confdir):
    service = {
        "name": "filter",
        "type": "unix",
        "private": "n",
        "unpriv": "n",
        "chroot": "n",
        "command": "pipe",
        "args": ["flags=Rq", "user=nobody", "argv=/usr/bin/filter", "-o", "x", "${recipient}"],
    }
    assert master(confdir, [service])["changed"] is True
    assert master(confdir, [service])["changed"] is False


@needs_postfix
def test_mastercf_dangling_o_is_reported_once_and_blamed_on_the_service_above(confdir):
    text = (confdir / "master.cf").read_text()
    anchor = "#submission inet"
    assert anchor in text
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(anchor))
    # Debian's template: '#submission' then commented '#  -o' lines; an active line under them.
    end = index + 1
    while lines[end].startswith("#  -o"):
        end += 1
    lines.insert(end, "  -o smtpd_tls_security_level=encrypt\n")
    (confdir / "master.cf").write_text("".join(lines))
    before = snapshot(confdir)
    result = master(confdir, [dict(SUBMISSION, name="submissions")])
    assert result["failed"]
    assert result["msg"].count("follows the commented-out") == 1
    assert "'submission inet'" in result["msg"]
    assert "line %d" % (end + 1) in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
@pytest.mark.parametrize("tail", ["  -o\n", "  -o syslog_name\n"])
def test_mastercf_bare_o_left_in_a_service_gets_a_meaningful_error(confdir, tail):
    master(confdir, [SUBMISSION])
    text = (confdir / "master.cf").read_text()
    marker = "\n  -o syslog_name=postfix/submission\n"  # the active one, not Debian's commented template
    assert marker in text
    (confdir / "master.cf").write_text(text.replace(marker, marker + tail, 1))
    before = snapshot(confdir)
    result = master(confdir, [dict(SUBMISSION, options={"smtpd_tls_security_level": "encrypt"})])
    assert result["failed"]
    assert "service submission/inet" in result["msg"]
    assert "bare '-o'" in result["msg"]
    assert "None" not in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_mastercf_absent_keeps_comment_lines_inside_the_service(confdir):
    text = (confdir / "master.cf").read_text()
    head = next(line for line in text.splitlines(keepends=True) if line.startswith("relay "))
    block_comment = "#  keep me: relay tuning notes\n"
    (confdir / "master.cf").write_text(text.replace(head, head + block_comment, 1))
    result = master(confdir, [{"name": "relay", "type": "unix", "state": "absent"}])
    assert result["changed"] is True
    assert block_comment in (confdir / "master.cf").read_text()
    assert "relay/unix" not in postconf(confdir, "-M")
    assert master(confdir, [{"name": "relay", "type": "unix", "state": "absent"}])["changed"] is False


@needs_postfix
@pytest.mark.parametrize(("module_name", "file_name"), [("maincf", "main.cf"), ("mastercf", "master.cf")])
def test_config_file_that_is_a_directory_says_so(confdir, module_name, file_name):
    os.remove(confdir / file_name)
    os.mkdir(confdir / file_name)
    result = main(confdir, {"biff": False}) if module_name == "maincf" else master(confdir, [SUBMISSION])
    assert result["failed"]
    assert "is a directory" in result["msg"]
    assert "not found" not in result["msg"]


# ---------------------------------------------------------------- 12a. secrets


SECRET = "S3cr3t-pa55"


@needs_postfix
@pytest.mark.parametrize("check_mode", [True, False])
def test_maincf_diff_redacts_inline_credentials(confdir, check_mode):
    params = {
        "smtp_sasl_password_maps": "static:relayuser:%s" % SECRET,
        "smtp_sasl_auth_enable": True,
    }
    result = main(confdir, params, check_mode=check_mode)
    assert result["changed"] is True
    dumped = json.dumps(result)
    assert SECRET not in dumped
    assert "smtp_sasl_password_maps = static:<redacted>" in result["diff"]["after"]
    assert (SECRET in (confdir / "main.cf").read_text()) is not check_mode


@needs_postfix
def test_maincf_diff_redacts_the_old_secret_and_inline_tables(confdir):
    with open(confdir / "main.cf", "a") as handle:
        handle.write("smtp_sasl_password_maps = inline:{ [relay]:587 = u:%s }\n" % SECRET)
    result = main(confdir, {"smtp_sasl_password_maps": "hash:/etc/postfix/sasl_passwd"})
    assert result["changed"] is True
    assert SECRET not in json.dumps(result)
    assert "inline:{<redacted>}" in result["diff"]["before"]
    assert "hash:/etc/postfix/sasl_passwd" in result["diff"]["after"]


@needs_postfix
def test_changed_secret_still_shows_as_a_difference_in_the_diff(confdir):
    main(confdir, {"smtp_sasl_password_maps": "static:u:old-%s" % SECRET})
    result = main(confdir, {"smtp_sasl_password_maps": "static:u:new-%s" % SECRET})
    assert result["changed"] is True
    assert SECRET not in json.dumps(result)
    assert result["diff"]["before"] != result["diff"]["after"]
    assert "a redacted secret changed" in result["diff"]["after"]


@needs_postfix
def test_mastercf_diff_redacts_credentials_in_overrides(confdir):
    service = dict(
        SUBMISSION,
        name="relay2",
        type="unix",
        command="smtp",
        options={"smtp_sasl_password_maps": "static:u:%s" % SECRET, "smtp_sasl_auth_enable": True},
    )
    service.pop("chroot")
    result = master(confdir, [service])
    assert result["changed"] is True, result
    assert SECRET not in json.dumps(result)


@needs_postfix
def test_error_messages_redact_credentials(confdir):
    result = main(confdir, {"smtp_sasl_pasword_maps": "static:u:%s" % SECRET})
    assert result["failed"]
    assert "smtp_sasl_pasword_maps" in result["msg"]
    assert SECRET not in json.dumps(result)


# ---------------------------------------------------------------- more hostile files


@needs_postfix
@pytest.mark.parametrize(
    ("content", "label"),
    [
        (b"", "empty file"),
        (b"biff = no", "no trailing newline"),
        (b"\xef\xbb\xbfbiff = no\n", "UTF-8 BOM"),
        (b"# " + b"x" * 1_000_000 + b"\n", "1 MB comment line"),
        (b"smtpd_banner = $myhostname " + b"a" * 200_000 + b"\n", "200 kB value"),
        (b"biff = no\n\n\n   \n\t\n", "trailing blank and white-space lines"),
        (b"smtpd_tls_loglevel = 0\n  # comment inside\n", "comment after an entry"),
    ],
)
def test_maincf_hostile_file_shapes_are_edited_as_postfix_reads_them(confdir, content, label):
    (confdir / "main.cf").write_bytes(content)
    result = main(confdir, {"smtpd_tls_loglevel": 1, "queue_directory": str(confdir / "queue")})
    assert not result["failed"], (label, result)
    assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1", label
    new = (confdir / "main.cf").read_bytes()
    body = content.rstrip(b"\n")
    if b"smtpd_tls_loglevel" not in content:
        assert new.startswith(body), label
    again = main(confdir, {"smtpd_tls_loglevel": 1, "queue_directory": str(confdir / "queue")})
    assert again["changed"] is False, label


@needs_postfix
def test_maincf_nul_byte_in_file_is_kept_or_refused_never_half_written(confdir):
    original = (confdir / "main.cf").read_bytes() + b"# odd \x00 byte\n"
    (confdir / "main.cf").write_bytes(original)
    result = main(confdir, {"smtpd_tls_loglevel": 1})
    new = (confdir / "main.cf").read_bytes()
    if result["failed"]:
        assert new == original
    else:
        assert b"# odd \x00 byte\n" in new
        assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"


@needs_postfix
@pytest.mark.parametrize(
    "value",
    ["a\nb", "a\rb", "a\x00b", {"nested": 1}],
)
def test_maincf_values_a_file_cannot_hold_are_refused(confdir, value):
    before = snapshot(confdir)
    result = main(confdir, {"smtpd_banner": value})
    assert result["failed"]
    assert "smtpd_banner" in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_check_mode_predicts_with_diff_and_writes_nothing_even_when_values_are_bad(confdir):
    before = snapshot(confdir)
    good = main(confdir, {"smtpd_tls_security_level": "encrypt"}, check_mode=True)
    assert good["changed"] is True
    assert "smtpd_tls_security_level = encrypt" in good["diff"]["after"]
    bad = main(confdir, {"smtpd_tls_security_level": "encrypted"}, check_mode=True)
    assert bad["failed"]
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


@needs_postfix
def test_temporary_file_that_cannot_be_created_fails_cleanly(confdir):
    # A read-only directory (root ignores the mode bits, so the refusal is simulated).
    before = snapshot(confdir)
    refused = OSError(errno.EROFS, "Read-only file system")
    with mock.patch.object(tempfile, "mkstemp", side_effect=refused):
        result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["failed"]
    assert "Read-only file system" in result["msg"]
    assert "unchanged" in result["msg"]
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


# ---------------------------------------------------------------- 3. concurrent runs

RACE_PARAMS = {
    "smtpd_tls_loglevel": "1",
    "smtp_tls_loglevel": "1",
    "smtpd_helo_required": "yes",
    "disable_vrfy_command": "yes",
    "smtpd_tls_received_header": "yes",
    "smtpd_tls_auth_only": "yes",
    "smtpd_tls_security_level": "may",
    "smtp_tls_security_level": "may",
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtp_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    "smtp_tls_mandatory_protocols": ">=TLSv1.2",
    "smtpd_tls_exclude_ciphers": "aNULL",
    "smtpd_sasl_auth_enable": "no",
    "smtpd_sasl_security_options": "noanonymous",
    "smtpd_sasl_tls_security_options": "noanonymous",
    "tls_preempt_cipherlist": "no",
    "smtpd_tls_mandatory_ciphers": "high",
    "message_size_limit": "20480000",
    "smtputf8_enable": "no",
}


def spawn(name, args):
    return subprocess.Popen(
        module_command(name, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=module_env()
    )


def collect(procs, timeout=600):
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert out, err.decode(errors="replace")
        results.append(json.loads(out))
    return results


@needs_postfix
def test_twenty_parallel_maincf_runs_lose_no_edit(confdir):
    assert len(RACE_PARAMS) == 20
    procs = [
        spawn("maincf", {"config_dir": str(confdir), "params": {name: value}}) for name, value in RACE_PARAMS.items()
    ]
    results = collect(procs)
    assert [r.get("failed", False) for r in results] == [False] * 20, [r.get("msg") for r in results]
    assert all(r["changed"] for r in results)
    values = postconf_n(confdir)
    lost = {name: values.get(name) for name, value in RACE_PARAMS.items() if values.get(name) != value}
    assert lost == {}
    assert leftovers(confdir) == []


@needs_postfix
def test_ten_parallel_mastercf_runs_lose_no_service(confdir):
    services = [
        {
            "name": "127.0.0.1:100%02d" % index,
            "type": "inet",
            "private": "n",
            "chroot": "n",
            "command": "smtpd",
            "options": {"syslog_name": "postfix/race%02d" % index},
        }
        for index in range(10)
    ]
    procs = [spawn("mastercf", {"config_dir": str(confdir), "services": [service]}) for service in services]
    results = collect(procs)
    assert [r.get("failed", False) for r in results] == [False] * 10, [r.get("msg") for r in results]
    listed = postconf(confdir, "-M")
    overrides = postconf(confdir, "-P")
    for index in range(10):
        assert "127.0.0.1:100%02d inet" % index in listed
        assert "127.0.0.1:100%02d/inet/syslog_name = postfix/race%02d" % (index, index) in overrides
    assert leftovers(confdir) == []


@needs_postfix
def test_maincf_and_postconf_e_serialize_on_postfix_edit_lock(confdir):
    names = list(RACE_PARAMS)[:12]
    procs = []
    for index, name in enumerate(names):
        if index % 2:
            args = [POSTCONF, "-c", str(confdir), "-e", "%s=%s" % (name, RACE_PARAMS[name])]
            procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        else:
            procs.append(spawn("maincf", {"config_dir": str(confdir), "params": {name: RACE_PARAMS[name]}}))
    for proc in procs:
        proc.communicate(timeout=600)
        assert proc.returncode == 0
    values = postconf_n(confdir)
    assert {name: values.get(name) for name in names} == {name: RACE_PARAMS[name] for name in names}


# ---------------------------------------------------------------- 9. kill -9 leftovers


def _kill_when(proc, seen, timeout=60):
    """kill -9 proc as soon as seen() is true; True when it was killed in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if seen():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    proc.wait()
    return False


def _stage_dirs(pid=None):
    prefix = "mailsec-postfix-stage-" + ("%d-" % pid if pid else "")
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith(prefix)]


@needs_postfix
def test_kill_during_validation_leaves_file_intact_and_next_run_removes_the_stage(confdir):
    # A large main.cf keeps postconf busy long enough to be killed mid-validation.
    with open(confdir / "main.cf", "a") as handle:
        handle.write(("# filler line for a slow postconf run %s\n" % ("x" * 60)) * 200_000)
    before = snapshot(confdir)
    proc = spawn("maincf", {"config_dir": str(confdir), "params": {"smtpd_tls_loglevel": 1}})
    if not _kill_when(proc, lambda: bool(_stage_dirs(proc.pid))):
        pytest.skip("the run finished before it could be killed")
    assert _stage_dirs(proc.pid), "the kill left no stage directory to clean up"
    assert snapshot(confdir) == before
    result, _raw = run_process("maincf", {"config_dir": str(confdir), "params": {"smtpd_tls_loglevel": 1}})
    assert result["changed"] is True, result
    assert _stage_dirs(proc.pid) == []
    assert leftovers(confdir) == []
    assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"


@needs_postfix
def test_kill_during_write_never_leaves_a_partial_main_cf_and_next_run_cleans_up(confdir):
    filler = ("# filler line for a slow write %s\n" % ("y" * 60)) * 200_000
    with open(confdir / "main.cf", "a") as handle:
        handle.write(filler)
    old = (confdir / "main.cf").read_bytes()
    args = {"config_dir": str(confdir), "params": {"smtpd_tls_loglevel": 1}, "validate": False}
    proc = spawn("maincf", args)
    killed = _kill_when(proc, lambda: any(n.startswith(".mailsec-main.cf-") for n in os.listdir(confdir)))
    now = (confdir / "main.cf").read_bytes()
    expected_new = old + b"smtpd_tls_loglevel = 1\n"
    assert now in (old, expected_new)  # the old file or the whole new one, never a part
    if not killed:
        pytest.skip("the run finished before it could be killed")
    result, _raw = run_process("maincf", args)
    assert not result.get("failed"), result
    assert (confdir / "main.cf").read_bytes() == expected_new
    assert leftovers(confdir) == []


@needs_postfix
def test_leftovers_of_killed_runs_are_removed_by_the_next_run(confdir):
    partial = confdir / ".mailsec-main.cf-abc123xy"
    partial.write_bytes(b"smtpd_tls_loglev")
    lock = confdir / "main.cf.tmp"
    lock.write_bytes(b"half")
    os.chmod(lock, 0o600)
    dead_pid = 2**22 + 12345  # above Linux's default pid_max: no such process
    stage = tempfile.mkdtemp(prefix="mailsec-postfix-stage-%d-" % dead_pid)
    result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["changed"] is True
    assert leftovers(confdir) == []
    assert not os.path.exists(stage)


@needs_postfix
def test_leftover_temp_file_is_removed_by_a_run_that_changes_nothing(confdir):
    partial = confdir / ".mailsec-main.cf-zzz999xy"
    partial.write_bytes(b"half a main.cf")
    result = main(confdir, {})
    assert result["changed"] is False
    assert leftovers(confdir) == []


# ---------------------------------------------------------------- more hostile cases found on the way


@needs_postfix
@pytest.mark.parametrize("module_name", ["maincf", "mastercf"])
def test_config_file_that_is_a_fifo_is_refused_without_hanging(confdir, module_name):
    file_name = "main.cf" if module_name == "maincf" else "master.cf"
    os.remove(confdir / file_name)
    os.mkfifo(confdir / file_name)
    args = {"config_dir": str(confdir)}
    if module_name == "maincf":
        args["params"] = {"biff": False}
    else:
        args["services"] = [SUBMISSION]
    result, _raw = run_process(module_name, args, timeout=60)
    assert result["failed"]
    assert "not a regular file" in result["msg"]


@needs_postfix
def test_lock_path_taken_by_a_directory_fails_cleanly(confdir):
    os.mkdir(confdir / "main.cf.tmp")
    before = snapshot(confdir)
    result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["failed"]
    assert "lock" in result["msg"].lower()
    assert snapshot(confdir) == before


@needs_postfix
def test_orphan_continuation_at_the_top_of_main_cf_is_kept_and_postfix_reads_the_edit(confdir):
    # Postfix only warns about it ("logical line must not start with whitespace"):
    # not this task's business, so it stays and the edit goes on.
    original = b"  orphan continuation\n" + (confdir / "main.cf").read_bytes()
    (confdir / "main.cf").write_bytes(original)
    result = main(confdir, {"smtpd_tls_loglevel": 1})
    assert result["changed"] is True, result
    assert (confdir / "main.cf").read_bytes() == original + b"smtpd_tls_loglevel = 1\n"
    assert postconf_n(confdir)["smtpd_tls_loglevel"] == "1"


@needs_postfix
def test_sigterm_during_validation_cleans_up_stage_and_lock(confdir):
    with open(confdir / "main.cf", "a") as handle:
        handle.write(("# filler line for a slow postconf run %s\n" % ("x" * 60)) * 200_000)
    before = snapshot(confdir)
    proc = spawn("maincf", {"config_dir": str(confdir), "params": {"smtpd_tls_loglevel": 1}})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not _stage_dirs(proc.pid):
        time.sleep(0.001)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be stopped")
    proc.terminate()
    proc.communicate(timeout=60)
    assert _stage_dirs(proc.pid) == []
    assert leftovers(confdir) == []
    assert snapshot(confdir) == before


@needs_postfix
def test_dollar_reference_to_an_undefined_parameter_is_checked_as_empty(confdir):
    before = snapshot(confdir)
    result = main(confdir, {"smtpd_tls_auth_only": "$never_defined_anywhere"})
    assert result["failed"]
    assert "bad boolean configuration: smtpd_tls_auth_only = " in result["msg"]
    assert snapshot(confdir) == before


@needs_postfix
def test_non_ascii_value_round_trips_through_postconf(confdir):
    banner = "$myhostname ESMTP \u00e9t\u00e9 \u2709"
    assert main(confdir, {"smtpd_banner": banner})["changed"] is True
    assert postconf(confdir, "-h", "smtpd_banner") == banner + "\n"
    assert main(confdir, {"smtpd_banner": banner})["changed"] is False


@needs_postfix
def test_three_hundred_parameters_in_one_task_are_written_once(confdir):
    params = {"mailsec_user_param_%03d" % i: "value %d" % i for i in range(300)}
    started = time.monotonic()
    result = main(confdir, params, allow_unknown=list(params))
    assert result["changed"] is True
    assert time.monotonic() - started < 60
    # Postfix reports each user-defined parameter it read as "unused parameter: name=value".
    check = subprocess.run([POSTCONF, "-c", str(confdir), "-n"], capture_output=True, text=True, check=True)
    read = dict(re.findall(r"unused parameter: (mailsec_user_param_\d+)=(.*)", check.stderr))
    assert read == params
    assert main(confdir, params, allow_unknown=list(params))["changed"] is False


@needs_postfix
def test_empty_params_change_nothing(confdir):
    before = snapshot(confdir)
    result = main(confdir, {})
    assert result["changed"] is False
    assert snapshot(confdir) == before
    assert leftovers(confdir) == []


@needs_postfix
@pytest.mark.parametrize(
    ("content", "label"),
    [
        (b"", "empty file"),
        (b"smtp      inet  n       -       y       -       -       smtpd", "no trailing newline"),
        (b"smtp      inet  n       -       y       -       -       smtpd\r\n", "CRLF line end"),
        (b"# K\xe4se\nsmtp      inet  n       -       y       -       -       smtpd\n", "Latin-1 comment"),
        (
            b"smtp      inet  n       -       y       -       -       smtpd\n  -o syslog_name=postfix/k\xe4se\n",
            "Latin-1 byte inside the edited service",
        ),
        (b"smtp      inet  n       -       y       -       -       smtpd\n" + b"# " + b"z" * 500_000 + b"\n", "500 kB"),
    ],
)
def test_mastercf_hostile_file_shapes_are_edited_as_postfix_reads_them(confdir, content, label):
    (confdir / "master.cf").write_bytes(content)
    smtp = {"name": "smtp", "type": "inet", "private": "n", "chroot": "y", "command": "smtpd"}
    services = [dict(smtp, options={"smtpd_tls_security_level": "may"})]
    result = master(confdir, services)
    assert not result["failed"], (label, result)
    assert "smtp/inet/smtpd_tls_security_level = may" in postconf(confdir, "-P"), label
    if b"\xe4" in content:
        assert b"k\xe4se" in (confdir / "master.cf").read_bytes() or b"K\xe4se" in (confdir / "master.cf").read_bytes()
    assert master(confdir, services)["changed"] is False, label
