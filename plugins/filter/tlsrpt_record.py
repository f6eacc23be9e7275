# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.tlsrpt_record (documentation: tlsrpt_record.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    DnsRecordError,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    tlsrpt_record as _tlsrpt_record,
)


def tlsrpt_record(rua, *, domain=None, ttl=None):
    """``_smtp._tls.<domain>. IN TXT "v=TLSRPTv1; rua=..."`` zone line."""
    try:
        return _tlsrpt_record(rua, domain, ttl=ttl)
    except DnsRecordError as exc:
        raise AnsibleFilterError(f"tlsrpt_record: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"tlsrpt_record": tlsrpt_record}
