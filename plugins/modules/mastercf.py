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
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Service name as written in C(master.cf), for example V(submission),
            V(submissions), V(127.0.0.1:10025) or V([::1]:2525).
        type: str
        required: true
      type:
        description:
          - Service type, one of V(inet), V(unix), V(unix-dgram), V(fifo) or
            V(pass).
        type: str
        default: inet
      private:
        description:
          - Private field (V(y), V(n) or V(-) for the default). Unchanged on an
            existing service when omitted, V(-) on a new one.
        type: str
      unpriv:
        description:
          - Unprivileged field (V(y), V(n) or V(-)). Unchanged when omitted.
        type: str
      chroot:
        description:
          - Chroot field (V(y), V(n) or V(-)). Unchanged when omitted.
        type: str
      wakeup:
        description:
          - Wake-up time in seconds, optionally followed by V(?), or V(-).
            Unchanged when omitted.
        type: str
      maxproc:
        description:
          - Process limit, or V(-) for the default. Unchanged when omitted.
        type: str
      command:
        description:
          - The command, for example V(smtpd). Required when the service is new.
        type: str
      args:
        description:
          - Further command arguments other than C(-o) overrides (for example
            V(flags=Rq) and V(argv=...) of a pipe service). When given, they
            replace the existing ones and are written after the overrides.
          - A C(-o) before the first operand is refused; use O(services[].options).
        type: list
        elements: str
      options:
        description:
          - C(-o) overrides, parameter name to value. Values are rendered as in
            M(mailsec.postfix.maincf) (booleans V(yes)/V(no), lists V(a, b)).
            V(null) removes that override.
        type: dict
      options_mode:
        description:
          - V(merge) keeps overrides that are not listed in O(services[].options);
            V(exact) removes them.
        type: str
        choices: [merge, exact]
        default: merge
      state:
        description:
          - Whether the service should be defined.
        type: str
        choices: [present, absent]
        default: present
  config_dir:
    description:
      - The Postfix configuration directory that holds C(master.cf) and
        C(main.cf).
    type: path
    default: /etc/postfix
  validate:
    description:
      - Check the new C(master.cf) with the installed Postfix, and the override
        values against the module's type table, before writing.
      - C(postfix check) is skipped in check mode (it may create missing queue
        directories) and when the directory has no C(main.cf).
      - When C(postconf) is not installed the Postfix checks are skipped with a warning.
    type: bool
    default: true
  backup:
    description:
      - Keep a timestamped copy of the previous C(master.cf) when it changes.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - Postfix reads C(master.cf) changes only after C(postfix reload).
  - When the final rename is refused (a bind-mounted C(master.cf)), the task fails
    with the file unchanged unless O(unsafe_writes=true).
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

import contextlib  # noqa: E402
import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.common.text.converters import to_native  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import (  # noqa: E402
    _filewrite,
    _mastercf,
    _param_types,
    _postfix_stage,
    _redact,
    _values,
)

SERVICE_SPEC = dict(
    name=dict(type="str", required=True),
    type=dict(type="str", default="inet"),
    private=dict(type="str"),
    unpriv=dict(type="str"),
    chroot=dict(type="str"),
    wakeup=dict(type="str"),
    maxproc=dict(type="str"),
    command=dict(type="str"),
    args=dict(type="list", elements="str"),
    options=dict(type="dict"),
    options_mode=dict(type="str", choices=["merge", "exact"], default="merge"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def parse_postconf_m(stdout):
    """(name, type) -> [private, unpriv, chroot, wakeup, maxproc, command]."""
    listed = {}
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) >= 8:
            listed[(fields[0], fields[1])] = fields[2:8]
    return listed


def fail(module, msg, **kwargs):
    """fail_json with secrets redacted and foreign bytes shown as \\xNN."""
    module.fail_json(msg=_filewrite.displayable(msg), **{k: _filewrite.displayable(v) for k, v in kwargs.items()})


def shown(name, value):
    return _redact.MASK if _redact.is_secret_name(name) and value else value


def option_problems(specs, values=None):
    """(label, name) -> Postfix's complaint about an override value.

    Without values, the rendered values are checked (those with $name are
    skipped); values maps "service/type/name" to the expanded values from
    postconf -P -x."""
    problems = {}
    for spec in specs:
        if spec.state == "absent":
            continue
        for name, text in spec.rendered.items():
            if text is None:
                continue
            if values is None:
                problem = _param_types.check_value(name, text)
            elif _param_types.has_expansion(text) and "%s/%s" % (spec.label, name) in values:
                problem = _param_types.check_value(name, values["%s/%s" % (spec.label, name)], expanded=True)
            else:
                problem = None
            if problem:
                problems[(spec.label, name)] = problem
    return problems


def fail_on_option_problems(module, problems, what=""):
    if problems:
        fail(
            module,
            "master.cf was not changed: Postfix would refuse %s%s"
            % (
                what,
                "; ".join(
                    "service %s: option %s: %s" % (label, name, text) for (label, name), text in problems.items()
                ),
            ),
            invalid_options=["%s/%s" % key for key in problems],
        )


def check_postfix_reading(module, specs, listed, overrides):
    """Fail unless Postfix lists every service and override as intended."""
    for spec in specs:
        if spec.state == "absent":
            if spec.key in listed:
                module.fail_json(msg="service %s: Postfix still lists it after removal" % spec.label)
            continue
        if spec.key not in listed:
            module.fail_json(msg="service %s: Postfix does not list it in the new master.cf" % spec.label)
        fields = listed[spec.key]
        wanted = [spec.fields.get(name) for name in ("private", "unpriv", "chroot", "wakeup", "maxproc")]
        wanted.append(spec.command)
        for got, want in zip(fields, wanted):
            if want is not None and got != want:
                module.fail_json(
                    msg="service %s: Postfix reads the fields as %s, not as intended" % (spec.label, " ".join(fields))
                )
        for name, value in spec.options.items():
            key = "%s/%s" % (spec.label, name)
            if value is None:
                if key in overrides:
                    module.fail_json(msg="service %s: Postfix still sees the removed override %s" % (spec.label, name))
            elif key not in overrides or not _values.same_meaning(overrides[key], value, spec.rendered[name]):
                fail(
                    module,
                    "service %s: Postfix reads override %s as %r, not %r"
                    % (spec.label, name, shown(name, overrides.get(key)), shown(name, spec.rendered[name])),
                )


def validate_with_postconf(module, config_dir, before, after, specs):
    postconf = module.get_bin_path("postconf", opt_dirs=["/usr/sbin"])
    if not postconf:
        module.warn("postconf is not installed: master.cf was not validated by Postfix")
        return
    main_path = os.path.join(config_dir, "main.cf")
    main_text = _filewrite.read_text(module, main_path, "main.cf") if os.path.exists(main_path) else ""

    def runner(args):
        return module.run_command(args, encoding="utf-8", errors="surrogateescape")

    postfix = _postfix_stage.postfix_for_check(module, bool(main_text))
    expanded = any(
        spec.state != "absent" and any(t is not None and _param_types.has_expansion(t) for t in spec.rendered.values())
        for spec in specs
    )

    def stage(master_text, commands, postfix_path=None):
        return _postfix_stage.run_staged(
            postconf,
            {"main.cf": main_text, "master.cf": master_text},
            commands,
            runner,
            shown_dir=config_dir,
            postfix_path=postfix_path,
        )

    labels = ", ".join(spec.label for spec in specs)
    new = stage(after, [["-M"], ["-P"], *([["-P", "-x"]] if expanded else [])], postfix)
    failed = _postfix_stage.first_failed(new)
    if failed and failed.args[-1] == "check" and failed.args[0] == postfix:
        old_failed = _postfix_stage.first_failed(stage(before, [], postfix))
        if old_failed and _postfix_stage.fatal_message(old_failed.stderr) == _postfix_stage.fatal_message(
            failed.stderr
        ):
            module.warn(
                "postfix check fails for the current master.cf as well, so this task is not blamed: %s"
                % _filewrite.displayable(_postfix_stage.fatal_message(failed.stderr))
            )
            failed = None
    if failed:
        fail(
            module,
            "Postfix cannot read the new master.cf (services %s): %s"
            % (labels, _postfix_stage.fatal_message(failed.stderr)),
            stderr=failed.stderr,
        )
    warnings = []
    for run in new.runs:
        warnings.extend(w for w in run.warnings if w not in warnings)
    unknown = _postfix_stage.unused_parameters(warnings, "master.cf")
    for spec in specs:
        if spec.state == "absent":
            continue
        bad = [name for name, value in spec.options.items() if value is not None and name in unknown]
        if bad:
            fail(
                module,
                "service %s: %s not a Postfix parameter%s (postconf: %s)"
                % (
                    spec.label,
                    "option %s is" % bad[0] if len(bad) == 1 else "options %s are" % ", ".join(bad),
                    "" if len(bad) == 1 else "s",
                    "; ".join(unknown[name] for name in bad),
                ),
                unknown_options=bad,
            )
    if expanded and len(new.runs) > 2:
        fail_on_option_problems(
            module,
            option_problems(specs, _postfix_stage.parse_postconf_n(new.runs[2].stdout)),
            "after $name expansion: ",
        )
    old = stage(before, [["-M"], ["-P"]])
    known = set()
    for run in old.runs:
        known.update(run.warnings)
    new_warnings = [w for w in warnings if w not in known]
    if new_warnings:
        fail(module, "Postfix warns about the new master.cf (services %s): %s" % (labels, "; ".join(new_warnings)))
    check_postfix_reading(
        module, specs, parse_postconf_m(new.runs[0].stdout), _postfix_stage.parse_postconf_n(new.runs[1].stdout)
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="dict", required=True, options=SERVICE_SPEC),
            config_dir=dict(type="path", default="/etc/postfix"),
            validate=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    _filewrite.exit_cleanly_on_sigterm()
    config_dir = module.params["config_dir"]
    path = _filewrite.config_file(module, config_dir, "master.cf")

    # Check mode only reads; a real run holds Postfix's edit lock from the read to the rename.
    guard = contextlib.nullcontext() if module.check_mode else _filewrite.locked(module, path)
    with guard:
        before = _filewrite.read_text(module, path, "master.cf")
        try:
            specs = _mastercf.check_services(module.params["services"])
            result = _mastercf.edit(before, module.params["services"])
        except _values.ConfigValueError as exc:
            fail(module, to_native(exc))

        if module.params["validate"]:
            fail_on_option_problems(module, option_problems(specs))
            validate_with_postconf(module, config_dir, before, result.text, specs)

        changed, diff, backup_file = _filewrite.update_text_file(
            module, path, before, result.text, module.params["backup"]
        )

    output = dict(changed=changed, changed_services=result.changed_services, diff=diff)
    if backup_file:
        output["backup_file"] = backup_file
    module.exit_json(**output)


if __name__ == "__main__":
    main()
