# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.converge_drift (documentation: converge_drift.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _converge


def converge_drift(config_plan, files=None):
    """What a check-mode converge would change, one phrase per kind (empty: no drift)."""
    if config_plan is not None and not isinstance(config_plan, Mapping):
        raise AnsibleFilterError("converge_drift: the input must be the postfix_config check-mode result (a dict)")
    if files is not None and (isinstance(files, (str, bytes, Mapping)) or not hasattr(files, "__iter__")):
        raise AnsibleFilterError("converge_drift: files must be a list of dicts with name and result")
    try:
        return _converge.drift(config_plan, files)
    except _converge.ConvergeError as exc:
        raise AnsibleFilterError("converge_drift: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"converge_drift": converge_drift}
