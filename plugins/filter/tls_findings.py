# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.tls_findings (documentation: tls_findings.yml)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings

# The keys of a postfix_info result the findings are judged from, and their types. Anything
# else (an empty dict, another module's result, a failed task) must not pass for a server
# with no listeners: with every key missing, the rules would see "nothing is wrong" except
# that VRFY is not disabled.
_REQUIRED = (
    ("listeners", list),
    ("outbound", Mapping),
    ("certificates", list),
    ("deprecated", list),
    ("disable_vrfy_command", bool),
)
_HINT = "pass the result of mailsec.postfix.postfix_info (the registered variable or its postfix_info key)"


def _type_name(value):
    return type(value).__name__


def check_postfix_info(value):
    """The postfix_info dict inside ``value``; AnsibleFilterError when it is not one."""
    if isinstance(value, Mapping) and "postfix_info" in value and "listeners" not in value:
        # Accept the registered module result as well as its postfix_info key.
        value = value["postfix_info"]
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(f"tls_findings: expected the postfix_info dict, got {_type_name(value)}; {_HINT}")
    if value.get("failed"):
        raise AnsibleFilterError(
            f"tls_findings: the input is a failed task result ({value.get('msg', 'no message')!r}), "
            "not a postfix_info result"
        )
    if value.get("skipped"):
        raise AnsibleFilterError("tls_findings: the input is a skipped task result, not a postfix_info result")
    missing = [key for key, _kind in _REQUIRED if key not in value]
    if missing:
        raise AnsibleFilterError(
            "tls_findings: malformed postfix_info: missing {} (got keys: {}); {}".format(
                ", ".join(missing), ", ".join(sorted(str(key) for key in value)) or "none", _HINT
            )
        )
    for key, kind in _REQUIRED:
        if not isinstance(value[key], kind):
            raise AnsibleFilterError(
                f"tls_findings: malformed postfix_info: {key} must be a {kind.__name__}, got "
                f"{_type_name(value[key])} {value[key]!r}"
            )
    for key in ("listeners", "certificates"):
        for index, item in enumerate(value[key]):
            if not isinstance(item, Mapping):
                raise AnsibleFilterError(
                    f"tls_findings: malformed postfix_info: {key}[{index}] must be a dict, got {_type_name(item)}"
                )
    for index, item in enumerate(value["listeners"]):
        if not isinstance(item.get("service"), str):
            raise AnsibleFilterError(f"tls_findings: malformed postfix_info: listeners[{index}] has no service name")
    return value


def tls_findings(postfix_info, profile="intermediate", fail_on=None):
    """Findings ``{id, severity, service, message, fix}`` for a postfix_info result; with
    ``fail_on``, only those that fail an audit at that threshold."""
    postfix_info = check_postfix_info(postfix_info)
    if profile not in _findings.PROFILES:
        raise AnsibleFilterError(
            f"tls_findings: profile must be one of {', '.join(_findings.PROFILES)}, got {profile!r}"
        )
    if fail_on is not None and fail_on not in _findings.FAIL_ON:
        raise AnsibleFilterError(
            f"tls_findings: fail_on must be one of {', '.join(_findings.FAIL_ON)}, got {fail_on!r}"
        )
    try:
        found = _findings.findings(postfix_info, profile=profile)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"tls_findings: malformed postfix_info ({exc!r})") from exc
    if fail_on is None:
        return found
    return [finding for finding in found if _findings.is_blocking(finding["severity"], fail_on)]


class FilterModule:
    def filters(self):
        return {"tls_findings": tls_findings}
