# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options shared by maincf, mastercf and postfix_config (one transaction code path)."""

    DOCUMENTATION = r"""
options:
  config_dir:
    description:
      - The Postfix configuration directory that holds C(main.cf) and C(master.cf).
        Use it to manage a secondary Postfix instance.
    type: path
    default: /etc/postfix
  validate:
    description:
      - Check the values of the parameters in the module's type table (TLS security
        levels, booleans, numbers, time units, sizes, TLS protocol lists, cipher grades,
        SASL security options), and ask the installed Postfix about the new files staged
        as a pair (C(postconf -c STAGE), C(postfix -c STAGE check)), before writing.
      - C(postfix check) is skipped in check mode (it may create missing queue
        directories) and when the other file of the pair is missing.
      - When C(postconf) is not installed the Postfix checks are skipped with a warning.
    type: bool
    default: true
  backup:
    description:
      - Keep a timestamped copy of each file that changes.
    type: bool
    default: false
notes:
  - Postfix reads configuration changes only after C(postfix reload).
  - When a final rename is refused (a file bind-mounted into a container), the task
    fails with the files unchanged unless O(unsafe_writes=true), which writes in place instead.
"""

    SERVICES = r"""
options:
  services:
    description:
      - The services to manage.
    type: list
    elements: dict
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
"""
