# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locked, atomic replacement of a Postfix configuration file (takes an AnsibleModule).

Locking follows Postfix's own cooperative protocol (edit_file(3), used by
`postconf -e`, `-M`, `-P`): create or open "<file>.tmp" with mode 0600, take an
exclusive flock(2) on it, check that the locked file is still the one under that
name, and hold it for the whole read-modify-write. So two module runs, or a module
run and `postconf -e`, serialize instead of losing each other's edits.

The new content goes to a temporary file beside the real file (a symlink is
followed, so the link stays and its target is edited). The temporary file is
written, flushed to disk, given the old file's owner and mode and then the
requested attributes, and only then renamed over the file. Any failure before the
rename leaves the file as it was; the temporary file is removed on every exit
Python can catch, and a leftover from a kill -9 is removed by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import stat
import tempfile
import time

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.mailsec.postfix.plugins.module_utils._redact import redact

LOCK_SUFFIX = ".tmp"
LOCK_TIMEOUT_SECONDS = 300
_LOCK_POLL_SECONDS = 0.05
LEGACY_LEFTOVER_AGE_SECONDS = 600
_TEMP_PREFIX = ".mailsec-"
# mkstemp's random part: 8 characters from [a-z0-9_].
_LEGACY_TEMP_RE = re.compile(r"^\.mailsec-[a-z0-9_]{8}$")
# rename(2) errors where writing in place may still work (bind-mounted file, ...).
_RENAME_FALLBACK_ERRNOS = (errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES, errno.ETXTBSY)


class LockTimeout(Exception):
    """The lock was held by another process for too long."""


def displayable(text):
    """text safe to return as JSON: bytes that are not UTF-8 (kept as surrogates when
    read) are shown as \\xNN, and inline credentials are redacted."""
    if not isinstance(text, str):
        return text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return redact(text)


def exit_cleanly_on_sigterm():
    """Turn SIGTERM into SystemExit, so that finally blocks remove temporary files."""

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, handler)


def config_file(module, config_dir, name):
    """Path of name in config_dir; fails clearly unless it is a (link to a) regular file."""
    if not os.path.isdir(config_dir):
        module.fail_json(msg="config_dir %s does not exist or is not a directory" % config_dir)
    path = os.path.join(config_dir, name)
    if os.path.islink(path) and not os.path.exists(path):
        module.fail_json(
            msg="%s in config_dir %s is a symbolic link to %s, which does not exist"
            % (name, config_dir, os.readlink(path))
        )
    if not os.path.lexists(path):
        module.fail_json(msg="%s not found in config_dir %s" % (name, config_dir))
    if os.path.isdir(path):
        module.fail_json(msg="%s is a directory, not a file: Postfix cannot read it as %s" % (path, name))
    if not os.path.isfile(path):
        module.fail_json(msg="%s is not a regular file (a device, FIFO or socket): refusing to edit it" % path)
    return path


def read_text(module, path, what):
    """The file's text; bytes that are not UTF-8 survive a round trip (surrogateescape)."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        module.fail_json(msg="Cannot read %s %s: %s" % (what, path, to_native(exc)))


class PostfixEditLock:
    """The lock of Postfix's edit_file protocol on "<path>.tmp"."""

    def __init__(self, path):
        self.lock_path = path + LOCK_SUFFIX
        self.fd = None

    def acquire(self, timeout=LOCK_TIMEOUT_SECONDS):
        deadline = time.monotonic() + timeout
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                self._wait_for_flock(fd, deadline)
                opened = os.fstat(fd)
                try:
                    named = os.lstat(self.lock_path)
                except FileNotFoundError:
                    named = None
                if named is None or (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
                    # The holder renamed or removed it while we waited: start over.
                    os.close(fd)
                    continue
                if not stat.S_ISREG(named.st_mode) or named.st_nlink > 1 or stat.S_IMODE(named.st_mode) != 0o600:
                    # Left in a state the protocol does not trust (as Postfix does: remove, retry).
                    _remove_quietly(self.lock_path)
                    os.close(fd)
                    continue
                os.ftruncate(fd, 0)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(fd)
                raise
            self.fd = fd
            return

    @staticmethod
    def _wait_for_flock(fd, deadline):
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise LockTimeout()
            time.sleep(_LOCK_POLL_SECONDS)

    def release(self):
        """Discard the lock file while still holding it (waiters then retry), then unlock."""
        if self.fd is None:
            return
        _remove_quietly(self.lock_path)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = None


@contextlib.contextmanager
def locked(module, path, timeout=LOCK_TIMEOUT_SECONDS):
    """Hold Postfix's edit lock of path for the duration of the block."""
    lock = PostfixEditLock(path)
    try:
        lock.acquire(timeout)
    except LockTimeout:
        module.fail_json(
            msg="%s is locked by another process (another run, or postconf -e) for more than %d s; "
            "nothing was changed" % (path, timeout)
        )
    except OSError as exc:
        module.fail_json(msg="Cannot lock %s through %s: %s" % (path, lock.lock_path, to_native(exc)))
    target = os.path.realpath(path)
    remove_leftovers(os.path.dirname(target), os.path.basename(target))
    try:
        yield lock
    finally:
        lock.release()


def make_diff(path, before, after):
    shown_before = displayable(before)
    shown_after = displayable(after)
    if shown_before == shown_after and before != after:
        # Only a redacted secret differs: say so, so the diff still shows a change.
        shown_after += "# (mailsec.postfix: a redacted secret changed)\n"
    return {
        "before": shown_before,
        "after": shown_after,
        "before_header": "%s (before)" % path,
        "after_header": "%s (after)" % path,
    }


def update_text_file(module, path, before, after, backup=False):
    """Write ``after`` when it differs from ``before`` (never in check mode), with the
    file attributes applied before the rename. Returns (changed, diff, backup_file); the
    diff is returned in check mode too, with secrets redacted."""
    changed = after != before
    diff = make_diff(path, before, after)
    backup_file = None
    if changed and not module.check_mode:
        backup_file = write_file(module, path, after.encode("utf-8", "surrogateescape"), backup)
    changed = apply_file_attributes(module, path, changed)
    return changed, diff, backup_file


def remove_leftovers(directory, base):
    """Remove temporary files that a killed run left beside base.

    Only the holder of base's lock writes ".mailsec-<base>-*", so while it is held
    any such file is a leftover. Files named the old way (".mailsec-XXXXXXXX") are
    removed once they are old enough not to belong to a running old version."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    now = time.time()
    for name in names:
        full = os.path.join(directory, name)
        if name.startswith("%s%s-" % (_TEMP_PREFIX, base)):
            _remove_quietly(full)
        elif _LEGACY_TEMP_RE.match(name):
            with contextlib.suppress(OSError):
                if now - os.lstat(full).st_mtime > LEGACY_LEFTOVER_AGE_SECONDS:
                    os.remove(full)


def _copy_ownership_and_mode(module, source, tmp_name):
    try:
        current = os.stat(source)
    except FileNotFoundError:
        return
    os.chmod(tmp_name, stat.S_IMODE(current.st_mode))
    with contextlib.suppress(PermissionError):
        os.chown(tmp_name, current.st_uid, current.st_gid)
    if module.selinux_enabled():
        module.set_context_if_different(tmp_name, module.selinux_context(source), False)


def _fsync_directory(directory):
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_in_place(target, content):
    with open(target, "r+b") as handle:
        handle.write(content)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def write_file(module, path, content, backup=False):
    """Replace path (or, for a symlink, its target) with content (bytes).

    Returns the backup file name or None. Fails with the file unchanged unless the
    final rename (or, with unsafe_writes, the in-place write) was reached."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    base = os.path.basename(target)
    remove_leftovers(directory, base)
    tmp_name = None
    backup_file = None
    try:
        try:
            fd, tmp_name = tempfile.mkstemp(prefix="%s%s-" % (_TEMP_PREFIX, base), dir=directory)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            _copy_ownership_and_mode(module, target, tmp_name)
        except OSError as exc:
            module.fail_json(
                msg="Could not write a temporary file in %s: %s; %s is unchanged" % (directory, to_native(exc), path)
            )
        # Requested owner/group/mode/attributes on the temporary file: a bad one
        # fails here, before the real file is touched.
        file_args = module.load_file_common_arguments(module.params, path=tmp_name)
        module.set_fs_attributes_if_different(file_args, True)
        try:
            if backup:
                backup_file = module.backup_local(target)
            os.rename(tmp_name, target)
            tmp_name = None
        except OSError as exc:
            if exc.errno not in _RENAME_FALLBACK_ERRNOS:
                module.fail_json(msg="Could not replace %s: %s; it is unchanged" % (path, to_native(exc)))
            if not module.params.get("unsafe_writes"):
                module.fail_json(
                    msg="Could not replace %s: %s; it is unchanged. If it is a bind mount (a container), "
                    "set unsafe_writes: true to write it in place" % (path, to_native(exc))
                )
            try:
                _write_in_place(target, content)
            except OSError as inner:
                module.fail_json(msg="Could not write %s in place (unsafe_writes): %s" % (path, to_native(inner)))
        _fsync_directory(directory)
    finally:
        if tmp_name:
            _remove_quietly(tmp_name)
    return backup_file


def apply_file_attributes(module, path, changed, diff=None):
    """Apply mode/owner/group/SELinux options; return the updated changed flag."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    return module.set_fs_attributes_if_different(file_args, changed, diff=diff)


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.remove(path)
