# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-playbook runner and the playbooks of the Part 1 variants.

Every comparison variant re-applies one change (liveconfig.change): what the role's warm-up
run did to `postconf -n/-M/-P`, not what the role's variables say.
"""

import json
import os
import re
import shlex
import subprocess
import time

from .common import REPO, VENV_BIN
from .liveconfig import service_of

RECAP_RE = re.compile(
    r"^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.MULTILINE
)
RESULT_LINE_RE = re.compile(r"^(ok|changed): \[", re.MULTILINE)
RELOAD_HANDLER = {
    "name": "Reload postfix",
    "ansible.builtin.command": {"argv": ["postfix", "reload"]},
    "changed_when": True,
}


class Playbooks:
    """Writes playbooks (JSON is valid YAML) into a temporary directory and runs them."""

    def __init__(self, workdir, container):
        self.workdir = workdir
        self.inventory = os.path.join(workdir, "inventory.ini")
        with open(self.inventory, "w") as handle:
            handle.write(
                "[mailservers]\n%s ansible_connection=containers.podman.podman "
                "ansible_python_interpreter=/usr/bin/python3\n" % container.name
            )
        self.env = dict(os.environ)
        self.env.update(
            {
                "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".build", "collections"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_HOST_KEY_CHECKING": "0",
                "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-local"),
            }
        )
        self.current = None

    def write(self, name, plays):
        path = os.path.join(self.workdir, name + ".yml")
        with open(path, "w") as handle:
            json.dump(plays, handle, indent=1)
        return path

    def play(self, path, extra=()):
        """Run ansible-playbook; return (seconds, recap dict, log text)."""
        playbook = os.path.join(VENV_BIN, "ansible-playbook")
        argv = [playbook if os.path.exists(playbook) else "ansible-playbook", "-i", self.inventory, path, *extra]
        start = time.monotonic()
        with subprocess.Popen(
            argv, cwd=self.workdir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc:
            self.current = proc
            output = proc.communicate()[0]
        self.current = None
        seconds = time.monotonic() - start
        match = RECAP_RE.search(output)
        if proc.returncode != 0 or not match:
            raise RuntimeError("%s failed (rc=%s):\n%s" % (os.path.basename(path), proc.returncode, output[-3000:]))
        ok, changed, unreachable, failed, skipped = (int(group) for group in match.groups())
        recap = {
            "ok": ok,
            "changed": changed,
            "unreachable": unreachable,
            "failed": failed,
            "skipped": skipped,
            "results": len(RESULT_LINE_RE.findall(output)),
        }
        return seconds, recap, output

    def stop(self):
        if self.current is not None and self.current.poll() is None:
            self.current.terminate()


def role_play():
    return [
        {
            "name": "Harden Postfix with the role",
            "hosts": "mailservers",
            "gather_facts": False,
            "roles": [
                {"role": "mailsec.postfix.postfix_hardening", "vars": {"postfix_hardening_cert_mode": "selfsigned"}}
            ],
        }
    ]


def floor_plays():
    """Reference plays for reading the re-run times: {key: (label, plays)}."""

    def play(tasks):
        return [{"name": "floor", "hosts": "mailservers", "gather_facts": False, "tasks": tasks}]

    return {
        # debug runs on the controller: it opens no connection, and gives the recap a host line.
        "empty": (
            "a play with one `debug` task (ansible-playbook start-up; no connection to the host)",
            play([{"name": "nothing on the host", "ansible.builtin.debug": {"msg": "start-up only"}}]),
        ),
        "noop": (
            'a play with one no-op `command: "true"` task (one module round trip)',
            play([{"name": "no-op", "ansible.builtin.command": "true", "changed_when": False}]),
        ),
    }


# ---------------------------------------------------------------------------- postconf arguments


def override_argument(key, value):
    """postconf -P takes no whitespace in a value: lists go comma-separated ("a, b" -> "a,b")."""
    compact = re.sub(r",\s+", ",", value)
    if re.search(r"\s", compact):
        raise RuntimeError("postconf -P cannot set %s (whitespace in %r)" % (key, value))
    return "%s=%s" % (key, compact)


def postconf_arguments(delta):
    """[(postconf option, [arguments])] re-applying the change, in a working order (-M before -P)."""
    return [
        ("-e", ["%s=%s" % item for item in delta["params_set"].items()]),
        ("-X", list(delta["params_removed"])),
        ("-M", ["%s=%s" % (key, " ".join(e["fields"] + e["args"])) for key, e in delta["services"].items()]),
        ("-MX", list(delta["services_removed"])),
        ("-P", [override_argument(key, value) for key, value in delta["overrides_set"].items()]),
        ("-PX", list(delta["overrides_removed"])),
    ]


def postconf_script(delta):
    """The shell lines of variant (d): one postconf call per option, all arguments."""
    return [
        "postconf %s %s" % (option, " ".join(shlex.quote(item) for item in items))
        for option, items in postconf_arguments(delta)
        if items
    ]


# ---------------------------------------------------------------------------- variants


def _play(name, tasks):
    return [{"name": name, "hosts": "mailservers", "gather_facts": False, "tasks": tasks,
             "handlers": [RELOAD_HANDLER]}]  # fmt: skip


def _module_services(delta):
    """mastercf services: redefined entries in full (exact overrides), override-only edits, removals."""
    services = []
    for key, options in delta["service_options"].items():
        name, service_type = key.rsplit("/", 1)
        entry = delta["services"].get(key)
        if entry is None:
            changed = {service_of(o)[1]: v for o, v in delta["overrides_set"].items() if service_of(o)[0] == key}
            changed.update((service_of(o)[1], None) for o in delta["overrides_removed"] if service_of(o)[0] == key)
            services.append({"name": name, "type": service_type, "options": changed})
            continue
        fields = dict(zip(("private", "unpriv", "chroot", "wakeup", "maxproc", "command"), entry["fields"][2:]))
        service = dict(name=name, type=service_type, options=options, options_mode="exact", **fields)
        if entry["args"]:
            service["args"] = entry["args"]
        services.append(service)
    for key in delta["services_removed"]:
        name, service_type = key.rsplit("/", 1)
        services.append({"name": name, "type": service_type, "state": "absent"})
    return services


def modules_play(delta):
    params = dict(delta["params_set"])
    params.update((name, None) for name in delta["params_removed"])
    return _play(
        "maincf + mastercf",
        [
            {"name": "main.cf baseline", "mailsec.postfix.maincf": {"params": params}, "notify": "Reload postfix"},
            {
                "name": "master.cf services",
                "mailsec.postfix.mastercf": {"services": _module_services(delta)},
                "notify": "Reload postfix",
            },
        ],
    )


COMMAND_TASKS = {
    "-e": "main.cf parameters",
    "-X": "obsolete main.cf parameters",
    "-M": "master.cf services",
    "-MX": "obsolete master.cf services",
    "-P": "master.cf service overrides",
    "-PX": "obsolete service overrides",
}


def command_play(delta):
    tasks = []
    for option, items in postconf_arguments(delta):
        if option == "-MX" and not items:
            continue  # no loop for it unless the role removed a service
        tasks.append(
            {
                "name": COMMAND_TASKS[option],
                "ansible.builtin.command": {"argv": ["postconf", option, "{{ item }}"]},
                "loop": items,
                "notify": "Reload postfix",
            }
        )
    return _play("postconf per parameter", tasks)


def master_block(delta):
    """The redefined/new master.cf entries with their -o overrides, as blockinfile writes them."""
    blocks = []
    for key, entry in delta["services"].items():
        lines = [" ".join(entry["fields"] + entry["args"])]
        for name, value in delta["service_options"].get(key, {}).items():
            lines.append(
                "  -o { %s = %s }" % (name, value) if re.search(r"\s", value) else "  -o %s=%s" % (name, value)
            )
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def lineinfile_play(delta):
    line_items = [{"name": name, "value": value} for name, value in delta["params_set"].items()]
    main_cf = "/etc/postfix/main.cf"
    return _play(
        "lineinfile per parameter",
        [
            {
                "name": "main.cf parameters",
                "ansible.builtin.lineinfile": {
                    "path": main_cf,
                    "regexp": "^\\s*{{ item.name }}\\s*=",
                    "line": "{{ item.name }} = {{ item.value }}",
                },
                "loop": line_items,
                "loop_control": {"label": "{{ item.name }}"},
                "notify": "Reload postfix",
            },
            {
                "name": "obsolete main.cf parameters",
                "ansible.builtin.lineinfile": {"path": main_cf, "regexp": "^\\s*{{ item }}\\s*=", "state": "absent"},
                "loop": list(delta["params_removed"]),
                "notify": "Reload postfix",
            },
            {
                "name": "master.cf submission services",
                "ansible.builtin.blockinfile": {
                    "path": "/etc/postfix/master.cf",
                    "block": master_block(delta),
                    "marker": "# {mark} submission services (benchmark variant c)",
                },
                "notify": "Reload postfix",
            },
        ],
    )


def shell_play(delta):
    script = ["set -e", "sum() { cat /etc/postfix/main.cf /etc/postfix/master.cf | md5sum; }", "before=$(sum)"]
    script += postconf_script(delta)
    script += ["after=$(sum)", '[ "$before" = "$after" ] || echo CHANGED']
    return _play(
        "one shell task",
        [
            {
                "name": "postconf the whole baseline",
                "ansible.builtin.shell": "\n".join(script) + "\n",
                "register": "bench_shell",
                "changed_when": "'CHANGED' in bench_shell.stdout",
                "notify": "Reload postfix",
            }
        ],
    )


def variant_plays(delta):
    """The four comparison playbooks, all re-applying the change the role made."""
    return {
        "modules": modules_play(delta),
        "command": command_play(delta),
        "lineinfile": lineinfile_play(delta),
        "shell": shell_play(delta),
    }
