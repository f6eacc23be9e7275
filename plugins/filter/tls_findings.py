# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.tls_findings (documentation: tls_findings.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings


def tls_findings(postfix_info, profile="intermediate"):
    """Findings ``{id, severity, service, message, fix}`` for a postfix_info result."""
    if isinstance(postfix_info, Mapping) and "postfix_info" in postfix_info and "listeners" not in postfix_info:
        # Accept the registered module result as well as its postfix_info key.
        postfix_info = postfix_info["postfix_info"]
    if not isinstance(postfix_info, Mapping):
        raise AnsibleFilterError(f"tls_findings: expected the postfix_info dict, got {type(postfix_info).__name__}")
    if profile not in _findings.PROFILES:
        raise AnsibleFilterError(
            f"tls_findings: profile must be one of {', '.join(_findings.PROFILES)}, got {profile!r}"
        )
    try:
        return _findings.findings(postfix_info, profile=profile)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"tls_findings: malformed postfix_info ({exc!r})") from exc


class FilterModule:
    def filters(self):
        return {"tls_findings": tls_findings}
