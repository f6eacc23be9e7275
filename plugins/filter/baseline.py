# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.baseline (documentation: baseline.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _baseline


def baseline(info, inputs=None):
    """main.cf params, master.cf services and the role's tables for this server."""
    if isinstance(info, Mapping) and isinstance(info.get("postfix_info"), Mapping):
        info = info["postfix_info"]
    if not isinstance(info, Mapping):
        raise AnsibleFilterError("baseline: the input must be the postfix_info result (a dict)")
    if inputs is not None and not isinstance(inputs, Mapping):
        raise AnsibleFilterError("baseline: inputs must be a dict")
    try:
        return _baseline.build(info, dict(inputs or {}))
    except _baseline.BaselineError as exc:
        raise AnsibleFilterError("baseline: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"baseline": baseline}
