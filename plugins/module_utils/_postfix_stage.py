# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the installed Postfix about a configuration before it goes live.

postconf -c takes a directory, not a file, so the candidate main.cf and
master.cf are staged together in a temporary directory. The command runner is
passed in (AnsibleModule.run_command fits: argv list -> (rc, stdout, stderr)),
which keeps this module free of AnsibleModule and easy to test.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional

# postconf names itself by argv[0]: "postconf: warning:" or "/usr/sbin/postconf: warning:".
_WARNING_RE = re.compile(r"^(?:\S*/)?postconf: warning: (.*)$")
STAGE_AGE_SECONDS = 60
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


def run_staged(postconf_path, files, commands, runner, *, shown_dir=None, tmp_parent=None):
    """Stage files (name -> text) in a temporary directory and run postconf.

    commands is a list of argument lists appended to `postconf -c STAGE`.
    Returns a StageResult; available=False when postconf_path is None.
    """
    if not postconf_path:
        return StageResult(available=False)
    stage = tempfile.mkdtemp(prefix="mailsec-postfix-stage-", dir=tmp_parent)
    try:
        for name, text in files.items():
            if text is None:
                continue
            path = os.path.join(stage, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            # Postfix re-reads a configuration file whose mtime is not yet two seconds in
            # the past (it may still be being written), dozing 300 ms between reads: a
            # freshly staged file costs ~1.8 s per postconf call. Nothing writes the
            # staged copy any more, so date it back.
            stamp = time.time() - STAGE_AGE_SECONDS
            os.utime(path, (stamp, stamp))
        result = StageResult(available=True)
        for extra in commands:
            args = [postconf_path, "-c", stage, *extra]
            rc, stdout, stderr = runner(args)
            result.runs.append(
                PostconfRun(
                    args=args,
                    rc=rc,
                    stdout=stdout,
                    stderr=stderr,
                    warnings=parse_warnings(stderr, stage, shown_dir),
                )
            )
        return result
    finally:
        shutil.rmtree(stage, ignore_errors=True)


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
