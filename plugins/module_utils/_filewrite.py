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
