# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process and return its result dict (exit_json and fail_json patched).

Shared by the unit and integration tests of the modules, so that each test file does not
paste its own copy.
"""

from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    """Raised instead of exiting the process; args[0] is the result."""


def run_module(main, args, check_mode=False, diff=True):
    """Run main() with args as module arguments; return what it passed to exit_json/fail_json."""
    payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)

    def exit_json(self, **kwargs):
        kwargs.setdefault("failed", False)
        raise ModuleExit(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.update(failed=True, msg=msg)
        raise ModuleExit(kwargs)

    hooks = dict(exit_json=exit_json, fail_json=fail_json)
    patched = mock.patch.multiple(basic.AnsibleModule, **hooks)
    with patch_module_args(payload), patched, pytest.raises(ModuleExit) as caught:
        main()
    return caught.value.args[0]
