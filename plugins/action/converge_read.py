# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action mailsec.postfix.converge_read (documentation: plugins/modules/converge_read.py).

One postfix_info read of the server, and on the controller what the postfix_hardening role
makes of it: the converge plan (which parts are due, and why), the record a converge leaving
the server like this writes, the audit and the DNS records. One task, one module round trip.
"""

import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.mailsec.postfix.plugins.plugin_utils import _converge, _role_read

_PART_SPEC = dict(
    type="dict",
    options=dict(
        inputs=dict(type="list", elements="str", default=[]),
        code=dict(type="list", elements="str", default=[]),
        files=dict(type="list", elements="path", default=[]),
    ),
)

ARGUMENT_SPEC = dict(
    config_dir=dict(type="path", default="/etc/postfix"),
    state_file=dict(type="path", required=True),
    code_root=dict(type="path", required=True),
    secret_inputs=dict(type="list", elements="str", default=[], no_log=False),
    secret_files=dict(type="list", elements="path", default=[], no_log=False),
    parts=dict(
        type="dict",
        required=True,
        options=dict(certificates=_PART_SPEC, dovecot=_PART_SPEC, config=_PART_SPEC),
    ),
    converge=dict(
        type="dict",
        default={},
        options=dict(
            fast_path=dict(type="bool", default=True),
            sasl_backend=dict(type="str", default="dovecot"),
            dovecot_configure=dict(type="bool", default=True),
            cert_mode=dict(type="str", default="auto"),
            cert_chains=dict(type="list", elements="raw", default=[]),
            renew_days=dict(type="int", default=30),
            fetched=dict(type="list", elements="path", default=[]),
            fail_on_drift=dict(type="bool", default=False),
        ),
    ),
    audit=dict(
        type="dict",
        default={},
        options=dict(
            enabled=dict(type="bool", default=True),
            profile=dict(type="str", default="intermediate"),
            fail_on=dict(type="str", default="high"),
        ),
    ),
    dns=dict(
        type="dict",
        default={},
        options=dict(
            ttl=dict(type="int"),
            mail_domain=dict(type="str", default=""),
            mta_sts_domain=dict(type="str", default=""),
            mta_sts_mode=dict(type="str", default="testing"),
            mta_sts_max_age=dict(type="int", default=604800),
            tlsrpt_rua=dict(type="raw", default=[]),
            submission=dict(type="bool", default=True),
            submissions=dict(type="bool", default=True),
        ),
    ),
)


def _blocking_message(blocking, fail_on):
    return "Findings at or above postfix_hardening_audit_fail_on=%s: %s" % (
        fail_on,
        "; ".join("%s@%s (%s): %s" % (f["id"], f["service"], f["severity"], f["message"]) for f in blocking),
    )


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def _part_specs(self, args, task_vars):
        """{part: {inputs: {name: value}, code: digest, files: [...]}} for the parts that count."""
        switches = args["converge"]
        dovecot = switches["sasl_backend"] == "dovecot" and switches["dovecot_configure"]
        known = _role_read.role_options(args["code_root"])
        resolved = {}

        def resolve(name):
            # a variable several parts read is templated once
            if name not in resolved:
                resolved[name] = self._templar.resolve_variable_expression(name) if name in task_vars else None
            return resolved[name]

        specs = {}
        try:
            for part in _converge.PARTS:
                spec = args["parts"].get(part)
                if spec is None or (part == "dovecot" and not dovecot):
                    continue
                specs[part] = {
                    "inputs": _role_read.input_values(
                        _role_read.input_names(spec["inputs"], known), resolve, args["secret_inputs"]
                    ),
                    "code": _role_read.code_digest(args["code_root"], spec["code"]),
                    "files": spec["files"],
                }
        except AnsibleError as exc:
            raise AnsibleActionFail("converge_read: %s" % exc) from exc
        return specs

    @staticmethod
    def _judge(info, specs, args):
        """What the controller makes of the read: plan, record, findings (and the blocking ones), DNS."""
        switches = args["converge"]
        audit = args["audit"]
        try:
            judged = {
                "plan": _converge.plan(
                    info,
                    {
                        "parts": _converge.part_digests(info, specs),
                        "state_file": args["state_file"],
                        "fast_path": switches["fast_path"],
                        "sasl_backend": switches["sasl_backend"],
                        "dovecot_configure": switches["dovecot_configure"],
                        "cert_mode": switches["cert_mode"],
                        "renew_days": switches["renew_days"],
                        # controller files (the fetched private CA): this action runs on the controller
                        "fetched_missing": any(not os.path.isfile(path) for path in switches["fetched"]),
                    },
                ),
                "record": _converge.record(info, specs),
                "dns_records": _role_read.dns_records(info, args["dns"]),
            }
            judged["findings"], judged["blocking"] = _role_read.audit(
                info, audit["enabled"], audit["profile"], audit["fail_on"]
            )
            judged["report"] = _role_read.report(judged["findings"], judged["dns_records"], audit["enabled"])
        except (_converge.ConvergeError, AnsibleError, KeyError, TypeError, ValueError) as exc:
            raise AnsibleActionFail("converge_read: %s" % exc) from exc
        return judged

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        check_mode = bool(self._task.check_mode)
        switches = args["converge"]
        errors = _role_read.input_errors(
            switches["cert_mode"], switches["cert_chains"], switches["fail_on_drift"], check_mode
        )
        if errors:
            raise AnsibleActionFail(" ".join(errors))

        specs = self._part_specs(args, task_vars)
        fingerprint = []
        for spec in specs.values():
            fingerprint += [path for path in spec["files"] if path not in fingerprint]
        read = self._execute_module(
            module_name="mailsec.postfix.postfix_info",
            module_args={"config_dir": args["config_dir"], "fingerprint": fingerprint, "record": args["state_file"]},
            task_vars=task_vars,
        )
        read.pop("invocation", None)
        if read.get("failed"):
            result.update(read)
            return result
        info = read["postfix_info"]
        result["postfix_info"] = info
        if "warnings" in read:
            result["warnings"] = read["warnings"]
        result.update(self._judge(info, specs, args))

        # The digests above used them; the result does not carry a hash of a secret file (a
        # password map's SHA-256 could be matched against guessed passwords).
        prints = info.get("fingerprints") or {}
        for path in args["secret_files"]:
            if prints.get(path) is not None:
                prints[path] = "withheld (secret file)"
        result["changed"] = False
        # When nothing is due this read is the state the run leaves, and the gate judges it here
        # (after a converge the role judges its re-read). Check mode reports and does not judge.
        if result["blocking"] and not check_mode and not result["plan"]["full"]:
            result["failed"] = True
            result["msg"] = _blocking_message(result["blocking"], args["audit"]["fail_on"])
        return result
