# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.converge_plan (documentation: converge_plan.yml)."""

import os
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _converge


def converge_plan(info, inputs=None):
    """Whether the role must converge this server, and why."""
    if isinstance(info, Mapping) and isinstance(info.get("postfix_info"), Mapping):
        info = info["postfix_info"]
    if not isinstance(info, Mapping):
        raise AnsibleFilterError("converge_plan: the input must be the postfix_info result (a dict)")
    if not isinstance(inputs, Mapping):
        raise AnsibleFilterError("converge_plan: inputs must be a dict")
    inputs = dict(inputs)
    # controller files (the fetched private CA): this filter runs on the controller
    inputs["fetched_missing"] = any(not os.path.isfile(path) for path in inputs.pop("fetched", None) or [])
    try:
        return _converge.plan(info, inputs)
    except (_converge.ConvergeError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("converge_plan: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"converge_plan": converge_plan}
