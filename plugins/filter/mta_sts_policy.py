# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.mta_sts_policy (documentation: mta_sts_policy.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    DnsRecordError,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    mta_sts_policy as _mta_sts_policy,
)


# "id" is the name RFC 8461 and the issue use for this option.
# pylint: disable-next=redefined-builtin
def mta_sts_policy(
    mx,
    *,
    domain=None,
    mode="testing",
    max_age=604800,
    id=None,
    ttl=None,
    line_ending="crlf",
):
    """MTA-STS policy text and ``_mta-sts`` TXT record for ``domain``."""
    try:
        return _mta_sts_policy(
            mx,
            domain,
            mode=mode,
            max_age=max_age,
            policy_id=id,
            ttl=ttl,
            line_ending=line_ending,
        )
    except DnsRecordError as exc:
        raise AnsibleFilterError(f"mta_sts_policy: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"mta_sts_policy": mta_sts_policy}
