# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe file replacement for modules (takes an AnsibleModule instance).

The new content goes to a temporary file in the target's directory, so the
final rename is atomic on the same file system; atomic_move copies the old
file's mode, owner and SELinux context, and the requested file attributes are
applied afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

from ansible.module_utils.common.text.converters import to_native


def read_text(module, path, what):
    """The file's text; bytes that are not UTF-8 survive a round trip (surrogateescape)."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        module.fail_json(msg="Cannot read %s %s: %s" % (what, path, to_native(exc)))


def update_text_file(module, path, before, after, backup=False):
    """Write ``after`` when it differs from ``before`` (never in check mode), then apply
    the file attributes. Returns (changed, diff, backup_file); the diff is returned in
    check mode too."""
    changed = after != before
    diff = {
        "before": before,
        "after": after,
        "before_header": "%s (before)" % path,
        "after_header": "%s (after)" % path,
    }
    backup_file = None
    if changed and not module.check_mode:
        backup_file = write_file(module, path, after.encode("utf-8", "surrogateescape"), backup)
    changed = apply_file_attributes(module, path, changed)
    return changed, diff, backup_file


def write_file(module, path, content, backup=False):
    """Replace path with content (bytes). Returns the backup file name or None."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_name = tempfile.mkstemp(prefix=".mailsec-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    except Exception as exc:
        _remove_quietly(tmp_name)
        module.fail_json(msg="Could not write a temporary file in %s: %s" % (directory, to_native(exc)))
    backup_file = None
    try:
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        module.atomic_move(tmp_name, os.path.abspath(path))
    except Exception as exc:
        _remove_quietly(tmp_name)
        module.fail_json(msg="Could not replace %s: %s" % (path, to_native(exc)))
    return backup_file


def apply_file_attributes(module, path, changed, diff=None):
    """Apply mode/owner/group/SELinux options; return the updated changed flag."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    return module.set_fs_attributes_if_different(file_args, changed, diff=diff)


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.remove(path)
