#!/usr/bin/python
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mastercf
short_description: Manage Postfix master.cf services and their -o overrides
version_added: 0.1.0
description:
  - Adds, changes or removes services in a Postfix C(master.cf) and their
    per-service C(-o name=value) overrides, without templating the whole file.
  - A service is identified by its name and type, so C(smtp inet) and
    C(smtp unix) are different services.
  - Comments and untouched services stay byte for byte; an edit rewrites only
    the fields and overrides it changes.
  - Override values containing whitespace are written in the Postfix 3.0+ form
    C(-o { name = value }); both forms are read. Values are compared by meaning,
    as in M(mailsec.postfix.maincf).
  - A new service is inserted right after Debian's commented template of the
    same name (for example C(#submission inet ...) and its commented C(-o)
    lines) when there is one, else at the end. Commented lines are never
    uncommented.
  - An active continuation line right below a commented-out service line is
    silently attached by Postfix to the service above it; the module refuses to
    edit such a file and says which line to fix.
  - Before writing, the new C(master.cf) is staged beside the current
    C(main.cf) and read back with C(postconf -c STAGE -M) and C(-P), then checked
    with C(postfix -c STAGE check); the task fails when Postfix warns about it
    (for example an override name that is not a Postfix parameter) or lists the
    services differently than intended.
  - Override values are checked as in M(mailsec.postfix.maincf) (TLS security
    levels, booleans, numbers, time units and the other typed parameters), after
    C($name) expansion where they refer to another parameter.
  - C(-o) overrides belong in O(services[].options); O(services[].args) holding
    C(-o) before the command's first operand is refused.
  - Removing a service keeps the comment lines inside its entry.
  - The read-modify-write holds the lock that C(postconf -M -e) and C(-P -e) use
    (C(master.cf.tmp)); the file is replaced as M(mailsec.postfix.maincf)
    replaces C(main.cf) (attributes before the rename, symlinks kept, foreign
    bytes kept, secrets redacted in the diff).
author:
  - mailsec.postfix contributors (@mailsec)
options:
  services:
    description:
      - The services to manage.
    required: true
extends_documentation_fragment:
  - ansible.builtin.files
  - mailsec.postfix.attributes
  - mailsec.postfix.postfix_files
  - mailsec.postfix.postfix_files.services
seealso:
  - module: mailsec.postfix.maincf
  - name: master(5)
    description: Postfix master process configuration file format.
    link: https://www.postfix.org/master.5.html
"""

EXAMPLES = r"""
- name: Submission (587, STARTTLS required) and submissions (465, implicit TLS)
  mailsec.postfix.mastercf:
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
          smtpd_tls_auth_only: true
          smtpd_client_restrictions: [permit_sasl_authenticated, reject]
          smtpd_relay_restrictions: [permit_sasl_authenticated, reject]
          milter_macro_daemon_name: ORIGINATING
      - name: submissions
        type: inet
        private: n
        chroot: y
        command: smtpd
        options:
          syslog_name: postfix/submissions
          smtpd_tls_wrappermode: true
          smtpd_sasl_auth_enable: true
          smtpd_client_restrictions: [permit_sasl_authenticated, reject]
          smtpd_relay_restrictions: [permit_sasl_authenticated, reject]
          milter_macro_daemon_name: ORIGINATING
        options_mode: exact
    backup: true

- name: Remove a content filter listener
  mailsec.postfix.mastercf:
    services:
      - name: 127.0.0.1:10025
        type: inet
        state: absent
"""

RETURN = r"""
changed_services:
  description: The services that were added, changed or removed, as C(name/type).
  returned: always
  type: list
  elements: str
  sample: [submission/inet, submissions/inet]
diff:
  description: The file before and after the change, also in check mode.
  returned: always
  type: dict
  contains:
    before:
      description: The previous content of master.cf.
      type: str
    after:
      description: The new content of master.cf.
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
  sample: /etc/postfix/master.cf.12345.2024-01-01@12:00:00~
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import _filewrite, _transaction  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="dict", required=True, options=_transaction.SERVICE_SPEC),
            config_dir=dict(type="path", default="/etc/postfix"),
            validate=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    _filewrite.exit_cleanly_on_sigterm()
    outcome = _transaction.run(
        module,
        module.params["config_dir"],
        services=module.params["services"],
        validate=module.params["validate"],
        backup=module.params["backup"],
    )
    output = dict(
        changed=outcome.changed,
        changed_services=outcome.changed_services,
        diff=outcome.diffs[_transaction.MASTER],
    )
    if _transaction.MASTER in outcome.backup_files:
        output["backup_file"] = outcome.backup_files[_transaction.MASTER]
    module.exit_json(**output)


if __name__ == "__main__":
    main()
