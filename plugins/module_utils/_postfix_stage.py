# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the installed Postfix about a configuration before it goes live.

postconf -c takes a directory, not a file, so the candidate main.cf and
master.cf are staged together in a temporary directory. The command runner is
passed in (AnsibleModule.run_command fits: argv list -> (rc, stdout, stderr)),
which keeps this module free of AnsibleModule and easy to test.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional

# postconf names itself by argv[0]: "postconf: warning:" or "/usr/sbin/postconf: warning:".
_WARNING_RE = re.compile(r"^(?:\S*/)?postconf: warning: (.*)$")
STAGE_AGE_SECONDS = 60
STAGE_PREFIX = "mailsec-postfix-stage-"
# A stage directory is named after the process that made it; one whose process is
# gone is a leftover (kill -9) and is removed by the next run.
_STAGE_NAME_RE = re.compile(r"^%s([0-9]+)-" % re.escape(STAGE_PREFIX))
LEGACY_STAGE_AGE_SECONDS = 600
COMMAND_TIMEOUT_SECONDS = 60
_UNUSED_RE = re.compile(r"unused parameter: ([A-Za-z0-9_]+)=")


@dataclass
class PostconfRun:
    args: List[str]
    rc: int
    stdout: str
    stderr: str
    warnings: List[str] = field(default_factory=list)


@dataclass
class StageResult:
    """available is False when postconf is not installed: skip and warn."""

    available: bool
    runs: List[PostconfRun] = field(default_factory=list)


def parse_warnings(stderr, stage_dir=None, shown_dir=None):
    """Return postconf warning texts, with the stage path shown as shown_dir."""
    warnings = []
    for line in stderr.splitlines():
        match = _WARNING_RE.match(line)
        if not match:
            continue
        text = match.group(1).strip()
        if stage_dir and shown_dir:
            text = text.replace(stage_dir.rstrip("/") + "/", shown_dir.rstrip("/") + "/")
        warnings.append(text)
    return warnings


def unused_parameters(warnings, file_name=None):
    """name -> warning for 'unused parameter: name=value' warnings.

    file_name restricts the result to warnings about that file
    ('main.cf' or 'master.cf').
    """
    found = {}
    for text in warnings:
        if file_name and ("/%s:" % file_name) not in text:
            continue
        match = _UNUSED_RE.search(text)
        if match:
            found.setdefault(match.group(1), text)
    return found


def fatal_message(stderr):
    lines = [line for line in stderr.splitlines() if "fatal:" in line]
    return "; ".join(lines) if lines else stderr.strip()


def run_staged(postconf_path, files, commands, runner, *, shown_dir=None, tmp_parent=None, postfix_path=None):
    """Stage files (name -> text) in a temporary directory and run postconf.

    commands is a list of argument lists appended to `postconf -c STAGE`; with
    postfix_path, `postfix -c STAGE check` runs last. The runs stop at the first
    that fails. Returns a StageResult; available=False when postconf_path is None.
    """
    if not postconf_path:
        return StageResult(available=False)
    parent = tmp_parent or tempfile.gettempdir()
    remove_stage_leftovers(parent)
    stage = None
    try:
        stage = tempfile.mkdtemp(prefix="%s%d-" % (STAGE_PREFIX, os.getpid()), dir=parent)
        for name, text in files.items():
            if text is None:
                continue
            path = os.path.join(stage, name)
            # Bytes that are not UTF-8 were read with surrogateescape: write them back as they were.
            with open(path, "wb") as handle:
                handle.write(text.encode("utf-8", "surrogateescape"))
            # Postfix re-reads a configuration file whose mtime is not yet two seconds in
            # the past (it may still be being written), dozing 300 ms between reads: a
            # freshly staged file costs ~1.8 s per postconf call. Nothing writes the
            # staged copy any more, so date it back.
            stamp = time.time() - STAGE_AGE_SECONDS
            os.utime(path, (stamp, stamp))
        result = StageResult(available=True)
        argvs = [[postconf_path, "-c", stage, *extra] for extra in commands]
        if postfix_path:
            argvs.append([postfix_path, "-c", stage, "check"])
        for args in argvs:
            rc, stdout, stderr = runner(args)
            if args[-1] == "check" and args[0] == postfix_path and rc != 0 and "fatal:" not in stderr:
                # postfix(1) writes its complaint to stderr only when stderr is a terminal.
                rc, stdout, stderr = run_with_terminal(args)
            if shown_dir:
                stderr = stderr.replace(stage.rstrip("/") + "/", shown_dir.rstrip("/") + "/")
            result.runs.append(
                PostconfRun(
                    args=args,
                    rc=rc,
                    stdout=stdout,
                    stderr=stderr,
                    warnings=parse_warnings(stderr, stage, shown_dir),
                )
            )
            if rc != 0:
                break
        return result
    finally:
        if stage:
            shutil.rmtree(stage, ignore_errors=True)
        else:
            # SIGTERM between mkdtemp's mkdir and the assignment: the directory exists
            # but has no name here. Only this process makes names with its pid.
            _remove_own_stages(parent)


def _remove_own_stages(parent):
    own = "%s%d-" % (STAGE_PREFIX, os.getpid())
    with contextlib.suppress(OSError):
        for name in os.listdir(parent):
            if name.startswith(own):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def postfix_for_check(module, pair_complete):
    """Path of postfix(1) for `postfix -c STAGE check`, or None to skip that check.

    It needs both files. It is skipped in check mode: besides checking, postfix
    check creates missing queue directories, and check mode changes nothing."""
    if not pair_complete or module.check_mode:
        return None
    return module.get_bin_path("postfix", opt_dirs=["/usr/sbin"])


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stage_leftovers(parent):
    """Remove stage directories whose process is gone (or, named the old way, that are old)."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        if not name.startswith(STAGE_PREFIX):
            continue
        path = os.path.join(parent, name)
        match = _STAGE_NAME_RE.match(name)
        with contextlib.suppress(OSError):
            if match:
                stale = not _process_alive(int(match.group(1)))
            else:
                stale = now - os.lstat(path).st_mtime > LEGACY_STAGE_AGE_SECONDS
            if stale and os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)


def run_with_terminal(args, timeout=COMMAND_TIMEOUT_SECONDS):
    """Run args with stdout/stderr on a pseudo-terminal; return (rc, "", output)."""
    master, slave = pty.openpty()
    chunks = []
    try:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        slave = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        try:
            rc = process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            rc = process.wait()
            chunks.append(b"\n(timed out after %d s)" % timeout)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    text = b"".join(chunks).decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    return rc, "", text


def parse_postconf_n(stdout):
    """name -> value from `postconf -n` / `-P` style 'name = value' lines."""
    values = {}
    for line in stdout.splitlines():
        name, sep, value = line.partition(" = ")
        if not sep:
            name, sep, value = line.partition(" =")
        if sep:
            values[name.strip()] = value.strip()
    return values


def first_failed(result: StageResult) -> Optional[PostconfRun]:
    for run in result.runs:
        if run.rc != 0:
            return run
    return None
