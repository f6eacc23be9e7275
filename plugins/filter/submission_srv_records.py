# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.submission_srv_records (docs: submission_srv_records.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    DnsRecordError,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    submission_srv_records as _submission_srv_records,
)


def submission_srv_records(
    target,
    *,
    domain=None,
    submission=True,
    submissions=True,
    submission_port=587,
    submissions_port=465,
    priority=0,
    weight=1,
    ttl=None,
    publish_disabled=False,
):
    """SRV zone lines for ``_submissions._tcp`` and ``_submission._tcp``."""
    try:
        return _submission_srv_records(
            target,
            domain,
            submission=submission,
            submissions=submissions,
            submission_port=submission_port,
            submissions_port=submissions_port,
            priority=priority,
            weight=weight,
            ttl=ttl,
            publish_disabled=publish_disabled,
        )
    except DnsRecordError as exc:
        raise AnsibleFilterError(f"submission_srv_records: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"submission_srv_records": submission_srv_records}
