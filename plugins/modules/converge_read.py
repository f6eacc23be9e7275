#!/usr/bin/python
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The code is the action plugin plugins/action/converge_read.py; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: converge_read
short_description: Read a Postfix server once and decide what the postfix_hardening role must do there
version_added: 0.2.0
description:
  - The first task of the P(mailsec.postfix.postfix_hardening#role) role, and its re-read after a converge. It runs
    M(mailsec.postfix.postfix_info) once on the server (with the role's managed files fingerprinted and its record of
    the last converge read) and, on the controller, works out from that one read
  - the converge plan, RV(plan), part by part. A part (C(certificates), C(dovecot), C(config)) is due when its digest
    differs from the record of the last converge (the role variables of that part, the role and collection code
    behind it, the files it manages, as fingerprinted by the read; for C(config) also what Postfix reads from
    C(main.cf) and C(master.cf), so another tool writing the same values back changes nothing) or when the read shows
    it broken (a certificate unreadable, mismatched or due for renewal, the Dovecot socket silent, Postfix stopped).
    C(config) runs whenever any part is due;
  - the record a converge that leaves the server as read writes, RV(record) (digests only, nothing secret);
  - the audit, RV(findings) (the P(mailsec.postfix.tls_findings#filter) filter) and RV(blocking), those at or above
    O(audit.fail_on);
  - the DNS records to publish, RV(dns_records).
  - Fails, naming the variables, when the role's variables ask for something it cannot do
    (O(converge.cert_mode=provided) without O(converge.cert_chains), O(converge.fail_on_drift) outside check mode).
    When no part is due, this read is the state the run leaves, and a real run (not check mode) fails on findings at
    or above O(audit.fail_on).
  - Meant for the role; the arguments are its variables. To read a server, use M(mailsec.postfix.postfix_info).
author:
  - mailsec.postfix contributors (@mailsec)
extends_documentation_fragment:
  - mailsec.postfix.attributes.read_only
attributes:
  action:
    description: Runs on the controller around one M(mailsec.postfix.postfix_info) call.
    support: full
  check_mode:
    description: Reads only. In check mode the gate on findings reports and does not fail.
    support: full
options:
  config_dir:
    description: The Postfix configuration directory.
    type: path
    default: /etc/postfix
  state_file:
    description: The record of the last converge on the server (read by M(mailsec.postfix.postfix_info)).
    type: path
    required: true
  code_root:
    description: The directory the C(code) globs of O(parts) are relative to (the role's path).
    type: path
    required: true
  secret_inputs:
    description:
      - Role variables (named in a part's C(inputs)) that count by their SHA-256 only, such as a password.
    type: list
    elements: str
    default: []
  secret_files:
    description:
      - Files whose fingerprint the returned RV(postfix_info) (its C(fingerprints)) does not carry
        (C(withheld (secret file)) instead of the SHA-256; still V(null) when missing). They count in the
        digests as usual.
    type: list
    elements: path
    default: []
  parts:
    description:
      - The parts of a converge, each with C(inputs) (the role variables it depends on), C(code) (globs of the files
        that implement it, relative to O(code_root)) and C(files) (the files on the server it manages).
      - C(dovecot) counts only when O(converge.sasl_backend=dovecot) and O(converge.dovecot_configure).
    type: dict
    required: true
    suboptions:
      certificates:
        description: The certificate part.
        type: dict
        suboptions: &part_options
          inputs:
            description:
              - Names or globs of the role variables of this part, among the options of the role's
                C(meta/argument_specs.yml); a leading C(!) excludes. Only their digest is kept.
            type: list
            elements: str
            default: []
          code:
            description: Globs of the files that implement this part, relative to O(code_root).
            type: list
            elements: str
            default: []
          files:
            description: Files on the server this part manages.
            type: list
            elements: path
            default: []
      dovecot:
        description: The Dovecot part.
        type: dict
        suboptions: *part_options
      config:
        description: The configuration part (main.cf, master.cf, lookup tables).
        type: dict
        suboptions: *part_options
  converge:
    description: The role's switches for the decision.
    type: dict
    default: {}
    suboptions:
      fast_path:
        description: V(false) makes every part due.
        type: bool
        default: true
      sasl_backend:
        description: The role's SASL backend.
        type: str
        default: dovecot
      dovecot_configure:
        description: Whether the role manages the Dovecot auth listener.
        type: bool
        default: true
      cert_mode:
        description: The role's certificate mode; renewal is due only for V(private_ca).
        type: str
        default: auto
      cert_chains:
        description: The certificate chains the role was given (needed for O(converge.cert_mode=provided)).
        type: list
        elements: raw
        default: []
      renew_days:
        description: A private-CA certificate with this many days left or fewer is due for renewal.
        type: int
        default: 30
      fetched:
        description: Controller paths of the fetched CA files; a missing one makes the certificates due.
        type: list
        elements: path
        default: []
      fail_on_drift:
        description: The role's drift alarm; refused outside check mode.
        type: bool
        default: false
  audit:
    description: The audit.
    type: dict
    default: {}
    suboptions:
      enabled:
        description: V(false) returns no findings.
        type: bool
        default: true
      profile:
        description: The profile the findings are judged by.
        type: str
        default: intermediate
      fail_on:
        description: The lowest severity that fails the run (V(never) for none).
        type: str
        default: high
  dns:
    description: The DNS records to compute (the role's C(postfix_hardening_*) DNS variables).
    type: dict
    default: {}
    suboptions:
      ttl:
        description: TTL of every record.
        type: int
      mail_domain:
        description: The domain of the TLS-RPT and SRV records; default the MTA-STS domain, else myhostname's parent.
        type: str
        default: ""
      mta_sts_domain:
        description: The domain whose MTA-STS policy is computed; empty for none.
        type: str
        default: ""
      mta_sts_mode:
        description: The MTA-STS mode.
        type: str
        default: testing
      mta_sts_max_age:
        description: The MTA-STS max_age.
        type: int
        default: 604800
      tlsrpt_rua:
        description: TLS-RPT report addresses; empty for no record.
        type: raw
        default: []
      submission:
        description: Whether the submission service (587) is published.
        type: bool
        default: true
      submissions:
        description: Whether the submissions service (465) is published.
        type: bool
        default: true
seealso:
  - module: mailsec.postfix.postfix_info
  - plugin: mailsec.postfix.tls_findings
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the server and decide (as the postfix_hardening role does)
  mailsec.postfix.converge_read:
    state_file: /var/lib/mailsec-postfix/etc_postfix.json
    code_root: "{{ role_path }}"
    parts:
      config:
        inputs: {profile: intermediate}
        code: ["tasks/*.yml"]
  register: read
"""

RETURN = r"""
postfix_info:
  description: The M(mailsec.postfix.postfix_info) read.
  returned: success
  type: dict
plan:
  description: The converge decision.
  returned: success
  type: dict
  contains:
    full:
      description: Whether any part is due.
      type: bool
    due:
      description: The parts to run, in run order (C(certificates), C(dovecot), C(config)); empty when nothing is due.
      type: list
      elements: str
    why:
      description: The reasons by due part.
      type: dict
    everything:
      description:
        - Every part is due because nothing is known to be in place (no usable record, or O(converge.fast_path=false)).
        - Steps that the parts' digests cannot see (a package the role installs) run only then or when their own
          input changes.
      type: bool
    relay_sasl_missing:
      description:
        - The read found the smtp client logging in through Cyrus SASL with no mechanism to log in with (finding
          C(relay_sasl_no_mechanism)); the C(config) part is then due, and the role installs the mechanisms.
      type: bool
    reasons:
      description: Why, in a fixed order.
      type: list
      elements: str
    summary:
      description: One line for the report.
      type: str
record:
  description:
    - The record a converge leaving the server as read writes (C(format), C(parts) digests, and C(chain_files), empty
      here; the role adds the certificate files it chose).
  returned: success
  type: dict
findings:
  description: The audit of the read (empty when O(audit.enabled=false)).
  returned: success
  type: list
  elements: dict
blocking:
  description: The findings at or above O(audit.fail_on).
  returned: success
  type: list
  elements: dict
dns_records:
  description: C(tlsa) (list), C(mta_sts) (dict, empty without a domain), C(tlsrpt) (str), C(srv) (list or str).
  returned: success
  type: dict
report:
  description: What the role prints and writes to its zone-file fragment.
  returned: success
  type: dict
  contains:
    findings:
      description:
        - One C(severity | service | id | message) line per finding; a sentence saying so when
          O(audit.enabled=false).
      type: raw
    dns_records:
      description: The records of RV(dns_records) to publish, one per element.
      type: list
      elements: str
"""
