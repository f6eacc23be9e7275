#!/usr/bin/python
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: postfix_config
short_description: Edit Postfix main.cf and master.cf in one validated transaction
version_added: 0.1.0
description:
  - Sets C(main.cf) parameters (as M(mailsec.postfix.maincf) does) and C(master.cf)
    services with their C(-o) overrides (as M(mailsec.postfix.mastercf) does) in one
    task, and validates the two files together, the way Postfix reads them.
  - Both files are read and edited in memory, then staged as a pair in one temporary
    directory and checked there with C(postconf -c STAGE -n), C(-M), C(-P) (and C(-x)
    for values with C($name)) and C(postfix -c STAGE check). So a C(master.cf)
    override may refer to a C(main.cf) parameter that the same task adds.
  - Values are checked as in M(mailsec.postfix.maincf), in C(main.cf) and in the
    overrides, with Postfix's own wording; an error names the parameter or the
    service and option. On any error neither file is changed.
  - The task holds the lock that C(postconf -e) uses on both files
    (C(main.cf.tmp), then C(master.cf.tmp), the order M(mailsec.postfix.maincf)
    and M(mailsec.postfix.mastercf) use too) from the read to the last rename.
  - Each changed file is replaced atomically as M(mailsec.postfix.maincf) replaces
    C(main.cf) (attributes set before the rename, symlinks kept, foreign bytes kept).
    When C(master.cf) cannot be replaced after C(main.cf) was, C(main.cf) is put
    back, so the pair is never left half applied.
  - The diff holds one entry per file, with inline credentials redacted.
author:
  - mailsec.postfix contributors (@mailsec)
options:
  params:
    description:
      - C(main.cf) parameter name to desired value, as O(mailsec.postfix.maincf#module:params).
      - A boolean is written as V(yes) or V(no), an integer in decimal, a list as
        V(a, b, c). V(null) removes every definition of the parameter.
    type: dict
    default: {}
  services:
    description:
      - The C(master.cf) services to manage, as O(mailsec.postfix.mastercf#module:services).
    default: []
  allow_unknown:
    description:
      - C(main.cf) parameter names that Postfix does not know but that are wanted anyway
        (user-defined parameters).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.files
  - mailsec.postfix.attributes
  - mailsec.postfix.postfix_files
  - mailsec.postfix.postfix_files.services
notes:
  - The file attribute options (O(mode), O(owner), ...) apply to both files.
seealso:
  - module: mailsec.postfix.maincf
  - module: mailsec.postfix.mastercf
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
  - name: master(5)
    description: Postfix master process configuration file format.
    link: https://www.postfix.org/master.5.html
"""

EXAMPLES = r"""
- name: Submission with its own restrictions, defined in main.cf and used from master.cf
  mailsec.postfix.postfix_config:
    params:
      smtpd_tls_security_level: may
      smtpd_tls_auth_only: true
      mua_client_restrictions: [permit_sasl_authenticated, reject]
    allow_unknown:
      - mua_client_restrictions
    services:
      - name: submission
        type: inet
        private: n
        chroot: y
        command: smtpd
        options:
          syslog_name: postfix/submission
          smtpd_tls_security_level: encrypt
          smtpd_sasl_auth_enable: true
          smtpd_client_restrictions: $mua_client_restrictions
    backup: true

- name: Predict the change without writing (the diff shows both files)
  mailsec.postfix.postfix_config:
    params:
      smtpd_tls_protocols: ">=TLSv1.2"
    services:
      - name: 127.0.0.1:10025
        type: inet
        state: absent
  check_mode: true
  diff: true
"""

RETURN = r"""
changed_params:
  description: Names of the main.cf parameters whose effective value changed (set, changed or removed).
  returned: always
  type: list
  elements: str
  sample: [smtpd_tls_protocols, mua_client_restrictions]
removed_duplicates:
  description: main.cf names that were defined more than once; the stale definitions were removed.
  returned: always
  type: list
  elements: str
  sample: []
changed_services:
  description: The master.cf services that were added, changed or removed, as C(name/type).
  returned: always
  type: list
  elements: str
  sample: [submission/inet]
diff:
  description: One entry per file (main.cf, then master.cf), before and after, also in check mode.
  returned: always
  type: list
  elements: dict
  contains:
    before:
      description: The previous content of the file.
      type: str
    after:
      description: The new content of the file.
      type: str
    before_header:
      description: Path of the file, marked as before.
      type: str
    after_header:
      description: Path of the file, marked as after.
      type: str
backup_files:
  description: File name (V(main.cf), V(master.cf)) to the name of its backup.
  returned: when O(backup=true) and a file changed
  type: dict
  sample: {"main.cf": "/etc/postfix/main.cf.12345.2024-01-01@12:00:00~"}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import _filewrite, _transaction  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            params=dict(type="dict", default={}),
            services=dict(type="list", elements="dict", default=[], options=_transaction.SERVICE_SPEC),
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
        services=module.params["services"],
        allow_unknown=module.params["allow_unknown"],
        validate=module.params["validate"],
        backup=module.params["backup"],
    )
    output = dict(
        changed=outcome.changed,
        changed_params=outcome.changed_params,
        removed_duplicates=outcome.removed_duplicates,
        changed_services=outcome.changed_services,
        diff=[outcome.diffs[name] for name in _transaction.FILE_ORDER],
    )
    if outcome.backup_files:
        output["backup_files"] = outcome.backup_files
    module.exit_json(**output)


if __name__ == "__main__":
    main()
