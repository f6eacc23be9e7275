# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.mailsec.postfix`` importable for pytest.

`make unit` exports ANSIBLE_COLLECTIONS_PATH (the symlinked tree from
`make collection`); pytest resolves the symlink to the repository, so the
collections root has to be put on sys.path explicitly.
"""

import os
import sys

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ROOTS = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
_ROOTS.append(os.path.join(_REPO, ".build", "collections"))

for _root in reversed(_ROOTS):
    if os.path.isdir(os.path.join(_root, "ansible_collections", "mailsec", "postfix")) and _root not in sys.path:
        sys.path.insert(0, _root)


@pytest.fixture(autouse=True)
def _module_side_of_ansible(monkeypatch):
    """Run module code as on a managed node.

    Importing a filter plugin imports ``ansible.errors``, which flips
    ``ansible.module_utils._internal.is_controller`` to True for the whole
    session; module.warn() then prints to the controller display instead of
    collecting the warning, and module tests that check warnings fail
    depending on test order.
    """
    from ansible.module_utils import _internal  # noqa: PLC0415

    monkeypatch.setattr(_internal, "is_controller", False)
