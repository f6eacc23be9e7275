# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading files and running commands with a bound on time and size.

postfix_info reads paths an operator (or an attacker who can edit main.cf)
chose. A path may name /dev/zero, a FIFO with no writer, a directory, a
symlink loop or a file of gigabytes; an external command may never finish.
Each of these must end as a short, reported reason, never as a hang. Standard
library only, no AnsibleModule in here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import hashlib
import os
import signal
import stat
import subprocess

# Certificates, keys and chains are a few kilobytes; a megabyte is generous.
PEM_FILE_LIMIT = 1024 * 1024
# Files fingerprinted for change detection (main.cf, master.cf, Dovecot drop-ins).
FINGERPRINT_LIMIT = 64 * 1024 * 1024
# postconf on a large main.cf, postfix status (a shell script), openssl on one PEM block.
COMMAND_TIMEOUT = 30

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(Exception):
    """A path that cannot be read as a regular file; str() says why, naming the path.

    ``errno`` is set when the operating system refused (ENOENT, EACCES, ELOOP, ...).
    """

    def __init__(self, message, errno_value=None):
        super().__init__(message)
        self.errno = errno_value


def _kind(mode):
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _os_reason(path, exc):
    if exc.errno == errno.ELOOP:
        return "%s: too many levels of symbolic links (a symlink loop)" % path
    return "%s: %s" % (path, exc.strerror or exc)


def check_regular(path, limit):
    """os.stat_result of ``path`` when it is a regular file of at most ``limit`` bytes.

    stat() does not open the file, so a FIFO or a device is refused before anything
    could block on it. Symbolic links are followed (a loop is reported as one).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UnreadableFile(_os_reason(path, exc), exc.errno) from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("%s is %s, not a regular file" % (path, _kind(info.st_mode)))
    if info.st_size > limit:
        raise UnreadableFile("%s is %d bytes, more than the %d this module reads" % (path, info.st_size, limit))
    return info


def _open_regular(path, limit):
    check_regular(path, limit)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open() must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(_os_reason(path, exc), exc.errno) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnreadableFile("%s is %s, not a regular file" % (path, _kind(info.st_mode)))
    return os.fdopen(fd, "rb")


def read_regular(path, limit=PEM_FILE_LIMIT):
    """The bytes of a regular file of at most ``limit`` bytes, else UnreadableFile."""
    with _open_regular(path, limit) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UnreadableFile(_os_reason(path, exc), exc.errno) from None
    if len(data) > limit:
        raise UnreadableFile("%s grew beyond %d bytes while it was read" % (path, limit))
    return data


def sha256_regular(path, limit=FINGERPRINT_LIMIT):
    """Hex SHA-256 of a regular file of at most ``limit`` bytes, else UnreadableFile."""
    digest = hashlib.sha256()
    total = 0
    with _open_regular(path, limit) as handle:
        while True:
            try:
                block = handle.read(65536)
            except OSError as exc:
                raise UnreadableFile(_os_reason(path, exc), exc.errno) from None
            if not block:
                break
            total += len(block)
            if total > limit:
                raise UnreadableFile("%s grew beyond %d bytes while it was read" % (path, limit))
            digest.update(block)
    return digest.hexdigest()


def decode(data):
    """Command output or file bytes as text; bytes that are not UTF-8 survive as surrogates.

    Postfix itself treats configuration text as bytes, so a Latin-1 byte in a value is part
    of it. ``json_safe`` turns such text into something a module result can carry.
    """
    return data.decode("utf-8", "surrogateescape")


def json_safe(value):
    """``value`` with every string made valid UTF-8: undecodable bytes become ``\\xNN``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return value
    if isinstance(value, dict):
        return dict((json_safe(key), json_safe(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


class CommandTimeout(Exception):
    """An external command ran longer than allowed and was killed (with its children)."""


def run(argv, timeout=COMMAND_TIMEOUT, data=None):
    """(rc, stdout, stderr) of ``argv`` as text, run with LC_ALL=C.

    The command runs in a session of its own, so on timeout the whole process group is
    killed: ``postfix status`` runs a shell script whose children would otherwise keep
    the output pipes open. Raises CommandTimeout (message names the command) on timeout
    and OSError when the command cannot be started.
    """
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    try:
        out, err = proc.communicate(input=data, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        # A grandchild that left the process group could keep the pipes open: do not wait for it forever.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=5)
        raise CommandTimeout("%s did not finish within %s seconds and was stopped" % (argv[0], timeout)) from None
    return proc.returncode, decode(out), decode(err)
