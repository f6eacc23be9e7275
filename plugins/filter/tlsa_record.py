# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter mailsec.postfix.tlsa_record (documentation: tlsa_record.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    DnsRecordError,
)
from ansible_collections.mailsec.postfix.plugins.module_utils._dns_records import (
    tlsa_record as _tlsa_record,
)


def tlsa_record(pem, *, usage=3, selector=1, matching=1, host=None, port=25, ttl=None, protocol="tcp", weak_key="fail"):
    """TLSA record data, or the full zone line when ``host`` is given."""
    try:
        return _tlsa_record(
            pem,
            usage=usage,
            selector=selector,
            matching=matching,
            host=host,
            port=port,
            ttl=ttl,
            protocol=protocol,
            weak_key=weak_key,
        )
    except DnsRecordError as exc:
        raise AnsibleFilterError(f"tlsa_record: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"tlsa_record": tlsa_record}
