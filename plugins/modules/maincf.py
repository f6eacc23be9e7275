#!/usr/bin/python
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: maincf
short_description: Set or remove many Postfix main.cf parameters in one task
version_added: 0.1.0
description:
  - Edits the parameters of a Postfix C(main.cf) in place. Comments, blank lines
    and untouched parameters stay byte for byte; a parameter spread over
    continuation lines is replaced as a whole.
  - Values are compared by meaning. A list compares as a token list (split on
    commas and whitespace), so V(!SSLv2, !SSLv3) equals C(!SSLv2,!SSLv3) in the
    file. A string compares after folding whitespace runs and continuation lines.
  - A parameter defined more than once (Postfix uses the last definition) is set
    in one place and the stale definitions are removed; RV(removed_duplicates)
    lists those names.
  - A commented-out assignment such as C(#myorigin = ...) is left alone; new
    parameters are appended at the end of the file.
  - Before writing, the new C(main.cf) is staged next to the current
    C(master.cf) in a temporary directory and checked with
    C(postconf -c STAGE -n) and C(postfix -c STAGE check), so a misspelt
    parameter name fails the task instead of being ignored by Postfix.
  - Values are checked too, for the parameters whose bad values Postfix would
    notice only when a daemon starts (TLS security levels, booleans, numbers,
    time units, sizes, TLS protocol lists, cipher grades, SASL security options);
    for example V(message_size_limit=10M), V(smtpd_tls_auth_only=maybe) or
    V(smtpd_tls_security_level=encrypted) fail with Postfix's own wording. A
    value with C($name) is checked after Postfix expands it.
  - Values are read as Postfix reads them, where only ASCII white space separates or
    trims, so a non-breaking space pasted after V(encrypt) is part of the value.
  - The whole read-modify-write holds the lock that C(postconf -e) uses
    (C(main.cf.tmp)), so concurrent runs of this module, and C(postconf -e), do
    not lose each other's edits.
  - The file is replaced atomically and only when something changed; the new
    content is written to a temporary file, flushed to disk and given its owner,
    mode and other requested attributes before it is renamed over C(main.cf), so
    any failure leaves the file as it was. A symbolic link is kept and its target
    is edited. Bytes that are not UTF-8 are kept as they are.
  - Inline credentials (for example C(static:user:password) in
    C(smtp_sasl_password_maps)) are redacted in the returned diff and in error
    messages.
author:
  - mailsec.postfix contributors (@mailsec)
options:
  params:
    description:
      - Parameter name to desired value.
      - A boolean is written as V(yes) or V(no), an integer in decimal, a list as
        V(a, b, c). V(null) removes every definition of the parameter.
      - Names may contain only letters, digits and V(_); values must not contain
        a newline or NUL character.
    type: dict
    required: true
  allow_unknown:
    description:
      - Parameter names that Postfix does not know but that are wanted anyway,
        for example user-defined parameters referenced as C($name) from
        C(master.cf).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.files
  - mailsec.postfix.attributes
  - mailsec.postfix.postfix_files
seealso:
  - module: mailsec.postfix.mastercf
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
"""

EXAMPLES = r"""
- name: Enable SASL only where it belongs and drop deprecated parameters
  mailsec.postfix.maincf:
    params:
      smtpd_sasl_auth_enable: false
      smtpd_sasl_type: dovecot
      smtpd_sasl_path: private/auth
      smtpd_sasl_security_options: [noanonymous, noplaintext]
      smtpd_sasl_tls_security_options: noanonymous
      smtpd_tls_auth_only: true
      smtpd_use_tls: null
      smtpd_enforce_tls: null
    backup: true

- name: Opportunistic TLS on port 25 without legacy protocols or anonymous ciphers
  mailsec.postfix.maincf:
    params:
      smtpd_tls_security_level: may
      smtpd_tls_protocols: ">=TLSv1.2"
      smtpd_tls_exclude_ciphers: [aNULL, eNULL]
      smtpd_tls_loglevel: 1

- name: Define restrictions referenced from master.cf as $mua_client_restrictions
  mailsec.postfix.maincf:
    config_dir: /etc/postfix-out
    params:
      mua_client_restrictions: [permit_sasl_authenticated, reject]
    allow_unknown:
      - mua_client_restrictions
"""

RETURN = r"""
changed_params:
  description: Names of the parameters whose effective value changed (set, changed or removed).
  returned: always
  type: list
  elements: str
  sample: [smtpd_tls_protocols, smtpd_use_tls]
removed_duplicates:
  description: Names that were defined more than once; the stale definitions were removed.
  returned: always
  type: list
  elements: str
  sample: [smtpd_tls_ciphers]
diff:
  description: The file before and after the change, also in check mode.
  returned: always
  type: dict
  contains:
    before:
      description: The previous content of main.cf.
      type: str
    after:
      description: The new content of main.cf.
      type: str
    before_header:
      description: Path of the file, marked as before.
      type: str
    after_header:
      description: Path of the file, marked as after.
      type: str
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /etc/postfix/main.cf.12345.2024-01-01@12:00:00~
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import _filewrite, _transaction  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            params=dict(type="dict", required=True),
            config_dir=dict(type="path", default="/etc/postfix"),
            validate=dict(type="bool", default=True),
            allow_unknown=dict(type="list", elements="str", default=[]),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    _filewrite.exit_cleanly_on_sigterm()
    outcome = _transaction.run(
        module,
        module.params["config_dir"],
        params=module.params["params"],
        allow_unknown=module.params["allow_unknown"],
        validate=module.params["validate"],
        backup=module.params["backup"],
    )
    output = dict(
        changed=outcome.changed,
        changed_params=outcome.changed_params,
        removed_duplicates=outcome.removed_duplicates,
        diff=outcome.diffs[_transaction.MAIN],
    )
    if _transaction.MAIN in outcome.backup_files:
        output["backup_file"] = outcome.backup_files[_transaction.MAIN]
    module.exit_json(**output)


if __name__ == "__main__":
    main()
