# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded reads and commands: special files are refused without blocking, commands end on time."""

import hashlib
import json
import os
import threading
import time

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _bounded_io


def test_regular_file_is_read_and_hashed(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc\n")
    assert _bounded_io.read_regular(str(path)) == b"abc\n"
    assert _bounded_io.sha256_regular(str(path)) == hashlib.sha256(b"abc\n").hexdigest()


@pytest.mark.parametrize("reader", [_bounded_io.read_regular, _bounded_io.sha256_regular])
def test_dev_zero_is_refused_as_a_character_device(reader):
    with pytest.raises(_bounded_io.UnreadableFile, match="/dev/zero is a character device"):
        reader("/dev/zero")


@pytest.mark.parametrize("reader", [_bounded_io.read_regular, _bounded_io.sha256_regular])
def test_fifo_without_writer_is_refused_without_blocking(tmp_path, reader):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_try(reader, fifo)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "blocked on a FIFO"
    assert "FIFO" in outcome[0]


def _try(reader, path):
    try:
        reader(path)
    except _bounded_io.UnreadableFile as exc:
        return str(exc)
    return "read"


def test_directory_loop_missing_and_permission_reasons(tmp_path):
    loop = str(tmp_path / "loop")
    os.symlink(loop, loop)
    reasons = {
        "dir": _try(_bounded_io.read_regular, str(tmp_path)),
        "loop": _try(_bounded_io.read_regular, loop),
        "missing": _try(_bounded_io.read_regular, str(tmp_path / "nope")),
    }
    assert "is a directory, not a regular file" in reasons["dir"]
    assert "symlink loop" in reasons["loop"]
    assert "No such file or directory" in reasons["missing"]
    with pytest.raises(_bounded_io.UnreadableFile) as info:
        _bounded_io.read_regular(str(tmp_path / "nope"))
    assert info.value.errno == 2


def test_size_limit_is_enforced_before_reading(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(_bounded_io.UnreadableFile, match="1001 bytes, more than the 1000"):
        _bounded_io.read_regular(str(path), limit=1000)
    with pytest.raises(_bounded_io.UnreadableFile, match="more than"):
        _bounded_io.sha256_regular(str(path), limit=1000)
    assert _bounded_io.read_regular(str(path), limit=1001) == b"x" * 1001


def test_symlink_to_a_regular_file_is_followed(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"t")
    link = tmp_path / "link"
    os.symlink(str(target), str(link))
    assert _bounded_io.read_regular(str(link)) == b"t"


def test_run_returns_text_and_rc():
    rc, out, err = _bounded_io.run(["sh", "-c", "printf 'a\\n'; printf 'e' >&2; exit 3"])
    assert (rc, out, err) == (3, "a\n", "e")


def test_run_feeds_standard_input():
    assert _bounded_io.run(["cat"], data=b"pem")[1] == "pem"


def test_run_stops_a_command_and_its_children_on_timeout():
    """The shell's background child keeps stdout open; the whole process group must die."""
    start = time.monotonic()
    with pytest.raises(_bounded_io.CommandTimeout, match=r"sh did not finish within 0\.5 seconds"):
        _bounded_io.run(["sh", "-c", "sleep 60 & sleep 60"], timeout=0.5)
    assert time.monotonic() - start < 5


def test_run_uses_the_c_locale():
    assert _bounded_io.run(["sh", "-c", "echo $LC_ALL"])[1] == "C\n"


def test_non_utf8_output_survives_and_is_made_json_safe():
    rc, out, _err = _bounded_io.run(["printf", "M\\344il"])
    assert rc == 0 and out == "M\udce4il"
    safe = _bounded_io.json_safe({"k\udce4": [out, 1, None, ("t",)]})
    assert safe == {"k\\xe4": ["M\\xe4il", 1, None, ["t"]]}
    json.dumps(safe).encode("utf-8")


def test_json_safe_keeps_valid_text_as_is():
    text = "encrypt\u00a0 caf\u00e9"
    assert _bounded_io.json_safe(text) is text
