# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import stat
import subprocess
import threading
import time

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _filewrite


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "main.cf"
    path.write_text("biff = no\n")
    return str(path)


def test_second_lock_waits_until_the_first_is_released(target):
    first = _filewrite.PostfixEditLock(target)
    first.acquire(timeout=1)
    second = _filewrite.PostfixEditLock(target)
    with pytest.raises(_filewrite.LockTimeout):
        second.acquire(timeout=0.2)
    first.release()
    second.acquire(timeout=1)
    assert os.path.exists(target + ".tmp")
    second.release()
    assert not os.path.exists(target + ".tmp")


def test_waiter_retries_when_the_holder_removes_the_lock_file(target):
    first = _filewrite.PostfixEditLock(target)
    first.acquire(timeout=1)
    got = []

    def wait():
        lock = _filewrite.PostfixEditLock(target)
        lock.acquire(timeout=5)
        got.append(os.fstat(lock.fd).st_ino == os.stat(target + ".tmp").st_ino)
        lock.release()

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.2)
    first.release()  # unlinks main.cf.tmp: the waiter holds a stale inode and must start over
    waiter.join(5)
    assert got == [True]


def test_lock_file_left_with_foreign_permissions_is_replaced(target):
    with open(target + ".tmp", "w") as handle:
        handle.write("junk")
    os.chmod(target + ".tmp", 0o644)
    lock = _filewrite.PostfixEditLock(target)
    lock.acquire(timeout=1)
    info = os.stat(target + ".tmp")
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_size == 0
    lock.release()


def test_lock_refuses_a_symlinked_lock_file(target, tmp_path):
    os.symlink(tmp_path / "elsewhere", target + ".tmp")
    with pytest.raises(OSError):
        _filewrite.PostfixEditLock(target).acquire(timeout=1)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.skipif(not shutil.which("postconf"), reason="postconf is not installed")
def test_postconf_e_waits_for_the_module_lock(target):
    lock = _filewrite.PostfixEditLock(target)
    lock.acquire(timeout=1)
    proc = subprocess.Popen(["postconf", "-c", os.path.dirname(target), "-e", "biff=yes"])
    time.sleep(0.5)
    assert proc.poll() is None  # postconf -e is blocked on main.cf.tmp
    with open(target) as handle:
        assert handle.read() == "biff = no\n"
    lock.release()
    assert proc.wait(10) == 0
    with open(target) as handle:
        assert "biff = yes" in handle.read()


def test_displayable_escapes_foreign_bytes_and_redacts():
    text = b"# K\xe4se\nsmtp_sasl_password_maps = static:u:pw\n".decode("utf-8", "surrogateescape")
    shown = _filewrite.displayable(text)
    shown.encode("utf-8")  # valid UTF-8 now
    assert "\\xe4" in shown
    assert "static:u:pw" not in shown


def test_remove_leftovers_only_touches_this_files_temporaries(tmp_path):
    (tmp_path / ".mailsec-main.cf-abcdefgh").write_text("partial")
    (tmp_path / ".mailsec-master.cf-abcdefgh").write_text("other file's")
    old_style = tmp_path / ".mailsec-abcd1234"
    old_style.write_text("old")
    young_style = tmp_path / ".mailsec-wxyz9876"
    young_style.write_text("young")
    stamp = time.time() - 3600
    os.utime(old_style, (stamp, stamp))
    _filewrite.remove_leftovers(str(tmp_path), "main.cf")
    assert sorted(os.listdir(tmp_path)) == [".mailsec-master.cf-abcdefgh", ".mailsec-wxyz9876"]
