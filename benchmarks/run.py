# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: converge cost, maincf throughput and TLS handshake cost in one run.

Part 1  converge cost of the same baseline applied five ways in ONE Debian 12 container
        (the role, maincf+mastercf alone, command/postconf per parameter, lineinfile per
        parameter, one shell task), first run and idempotent re-run, medians.
Part 2  benchmarks/maincf_throughput.py (module code vs postconf on a 5,000-line main.cf).
Part 3  full TLS handshakes/s on 465 and STARTTLS sessions/s on 587 for ECDSA P-256,
        RSA-3072 and RSA-4096 server certificates, with the server CPU per handshake
        (the container's cgroup), next to `openssl speed` sign/s.

Writes docs/benchmarks.md and benchmarks/results/latest.json; removes its container on
exit, Ctrl-C or failure. Environment knobs: BENCH_RUNS (samples per variant, default 5),
BENCH_BUDGET (seconds for the whole run, default 840; 0 = no limit, always BENCH_RUNS
samples), BENCH_DURATION (seconds per handshake measurement, default 10),
BENCH_CONCURRENCY (client connections in flight, default 8), BENCH_KEEP=1 keeps the container.
Run: make bench   (or .venv/bin/python benchmarks/run.py --help)
"""

import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

try:
    from ansible.release import __version__ as ANSIBLE_VERSION
except ImportError:
    ANSIBLE_VERSION = "unknown"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
IMAGE = "localhost/mailsec-demo:bookworm"
CONTAINERFILE_DIR = os.path.join(REPO, "scripts", "demo")
MX = "mx.bench.example"
PRISTINE = "/root/bench-pristine"
BENCH_CERTS = "/etc/postfix/bench-certs"
START = time.monotonic()

# Postfix limits set explicitly for the handshake part (so anvil and the process limit
# are known, not defaults that differ between versions); reverse DNS off because the
# container has no resolver for the bridge address and every lookup would time out.
HANDSHAKE_LIMITS = {
    "smtpd_client_connection_rate_limit": "0",
    "smtpd_client_connection_count_limit": "0",
    "smtpd_client_new_tls_session_rate_limit": "0",
    "default_process_limit": "100",
    "smtpd_peername_lookup": "no",
}
CERT_SETUPS = [
    ("ECDSA P-256", "ecdsa-p256", "-newkey ec -pkeyopt ec_paramgen_curve:P-256"),
    ("RSA-3072", "rsa-3072", "-newkey rsa:3072"),
    ("RSA-4096", "rsa-4096", "-newkey rsa:4096"),
]
SPEED_ALGOS = [("ECDSA P-256", "ecdsap256"), ("RSA-3072", "rsa3072"), ("RSA-4096", "rsa4096")]

VARIANTS = [
    ("role", "(a) role postfix_hardening (audit + DNS records always; validate, reload, health check on change)"),
    ("modules", "(a') maincf + mastercf tasks only (+ reload handler)"),
    ("command", "(b) command: postconf -e/-X/-M/-P per item (loop)"),
    ("lineinfile", "(c) lineinfile per parameter (loop) + blockinfile master.cf"),
    ("shell", "(d) one shell task: all postconf calls, checksum for changed"),
]
RECAP_RE = re.compile(
    r"^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.MULTILINE
)
RESULT_LINE_RE = re.compile(r"^(ok|changed): \[", re.MULTILINE)


def elapsed():
    return time.monotonic() - START


def log(message):
    print("[%4ds] %s" % (elapsed(), message), flush=True)


def run(argv, check=True, input_text=None, timeout=600):
    proc = subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed (rc=%d): %s" % (" ".join(argv[:4]), proc.returncode, proc.stderr[-2000:]))
    return proc


def postconf_value(value, separator=", "):
    """Render a role value the way postconf -n prints it (postconf -P takes no whitespace: separator ",")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return separator.join(postconf_value(item) for item in value)
    return str(value)


# ---------------------------------------------------------------------------- container


class Container:
    def __init__(self, name):
        self.name = name
        self.started = False

    def start(self):
        if run(["podman", "image", "exists", IMAGE], check=False).returncode != 0:
            log("building %s from scripts/demo/Containerfile" % IMAGE)
            run(["podman", "build", "-q", "-t", IMAGE, "-f", os.path.join(CONTAINERFILE_DIR, "Containerfile"),
                 CONTAINERFILE_DIR], timeout=1800)  # fmt: skip
        run(["podman", "rm", "-f", "-t", "0", self.name], check=False)
        self.started = True
        run(["podman", "run", "-d", "--systemd=always", "--name", self.name, "--hostname", MX, IMAGE,
             "/lib/systemd/systemd"])  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            # postfix.service is active before the master process is up: ask postfix itself.
            proc = run(["podman", "exec", self.name, "sh", "-c", "systemctl is-active dovecot && postfix status"],
                       check=False)  # fmt: skip
            if proc.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("postfix/dovecot did not start in %s: %s" % (self.name, proc.stdout))
            time.sleep(1)

    def sh(self, script, check=True, timeout=600):
        return run(["podman", "exec", self.name, "sh", "-c", script], check=check, timeout=timeout).stdout

    def inspect(self, fmt):
        return run(["podman", "inspect", "-f", fmt, self.name]).stdout.strip()

    def cpu_usage_reader(self):
        """A function returning the container's CPU time in seconds (cgroup v1 cpuacct or v2 cpu.stat)."""
        pid = self.inspect("{{.State.Pid}}")
        with open("/proc/%s/cgroup" % pid) as handle:
            lines = handle.read().splitlines()
        for line in lines:
            hier, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(","):
                for mount in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"):
                    usage = mount + path + "/cpuacct.usage"
                    if os.path.exists(usage):
                        return "cgroup v1 cpuacct.usage", lambda usage=usage: int(open(usage).read()) / 1e9
            if hier == "0" and not controllers:
                stat = "/sys/fs/cgroup" + path + "/cpu.stat"
                if os.path.exists(stat):

                    def read_v2(stat=stat):
                        with open(stat) as handle:
                            for row in handle:
                                if row.startswith("usage_usec"):
                                    return int(row.split()[1]) / 1e6
                        return 0.0

                    return "cgroup v2 cpu.stat", read_v2
        raise RuntimeError("no CPU accounting found for the container's cgroup")

    def remove(self):
        if self.started:
            run(["podman", "rm", "-f", "-t", "0", self.name], check=False)
            self.started = False


# ---------------------------------------------------------------------------- part 1


class Playbooks:
    """Writes the variant playbooks (JSON is valid YAML) into a temporary directory."""

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


def role_play(extra_tasks=None):
    play = {
        "name": "Harden Postfix with the role",
        "hosts": "mailservers",
        "gather_facts": False,
        "roles": [{"role": "mailsec.postfix.postfix_hardening", "vars": {"postfix_hardening_cert_mode": "selfsigned"}}],
    }
    if extra_tasks:
        play["post_tasks"] = extra_tasks
    return [play]


RELOAD_HANDLER = {
    "name": "Reload postfix",
    "ansible.builtin.command": {"argv": ["postfix", "reload"]},
    "changed_when": True,
}


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


def variant_plays(baseline):
    """The four comparison playbooks, all applying exactly the role's baseline."""
    params = baseline["params"]
    sets = ["%s=%s" % (name, postconf_value(value)) for name, value in params.items() if value is not None]
    removals = [name for name, value in params.items() if value is None]
    service_defs = ["%s=%s" % (key, fields) for key, fields in baseline["service_fields"].items()]
    overrides = []
    override_removals = []
    for service in baseline["services"]:
        key = "%s/%s" % (service["name"], service["type"])
        for name, value in (service.get("options") or {}).items():
            if value is None:
                override_removals.append("%s/%s" % (key, name))
            else:
                overrides.append("%s/%s=%s" % (key, name, postconf_value(value, ",")))

    def base(name, tasks):
        return [{"name": name, "hosts": "mailservers", "gather_facts": False, "tasks": tasks,
                 "handlers": [RELOAD_HANDLER]}]  # fmt: skip

    plays = {}
    plays["modules"] = base(
        "maincf + mastercf",
        [
            {
                "name": "main.cf baseline",
                "mailsec.postfix.maincf": {"params": params},
                "notify": "Reload postfix",
            },
            {
                "name": "master.cf services",
                "mailsec.postfix.mastercf": {"services": baseline["services"]},
                "notify": "Reload postfix",
            },
        ],
    )

    def command_loop(name, option, items):
        return {
            "name": name,
            "ansible.builtin.command": {"argv": ["postconf", option, "{{ item }}"]},
            "loop": items,
            "notify": "Reload postfix",
        }

    plays["command"] = base(
        "postconf per parameter",
        [
            command_loop("main.cf parameters", "-e", sets),
            command_loop("obsolete main.cf parameters", "-X", removals),
            command_loop("master.cf services", "-M", service_defs),
            command_loop("master.cf service overrides", "-P", overrides),
            command_loop("obsolete service overrides", "-PX", override_removals),
        ],
    )

    line_items = [{"name": name, "value": postconf_value(value)} for name, value in params.items() if value is not None]
    plays["lineinfile"] = base(
        "lineinfile per parameter",
        [
            {
                "name": "main.cf parameters",
                "ansible.builtin.lineinfile": {
                    "path": "/etc/postfix/main.cf",
                    "regexp": "^\\s*{{ item.name }}\\s*=",
                    "line": "{{ item.name }} = {{ item.value }}",
                },
                "loop": line_items,
                "loop_control": {"label": "{{ item.name }}"},
                "notify": "Reload postfix",
            },
            {
                "name": "obsolete main.cf parameters",
                "ansible.builtin.lineinfile": {
                    "path": "/etc/postfix/main.cf",
                    "regexp": "^\\s*{{ item }}\\s*=",
                    "state": "absent",
                },
                "loop": removals,
                "notify": "Reload postfix",
            },
            {
                "name": "master.cf submission services",
                "ansible.builtin.blockinfile": {
                    "path": "/etc/postfix/master.cf",
                    "block": baseline["master_block"],
                    "marker": "# {mark} submission services (benchmark variant c)",
                },
                "notify": "Reload postfix",
            },
        ],
    )

    script = ["set -e", "sum() { cat /etc/postfix/main.cf /etc/postfix/master.cf | md5sum; }", "before=$(sum)"]
    script.append("postconf -e " + " ".join(shlex.quote(item) for item in sets))
    if removals:
        script.append("postconf -X " + " ".join(shlex.quote(item) for item in removals))
    script.append("postconf -M " + " ".join(shlex.quote(item) for item in service_defs))
    script.append("postconf -P " + " ".join(shlex.quote(item) for item in overrides))
    if override_removals:
        script.append("postconf -PX " + " ".join(shlex.quote(item) for item in override_removals))
    script += ["after=$(sum)", '[ "$before" = "$after" ] || echo CHANGED']
    plays["shell"] = base(
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
    counts = {
        "main_cf_set": len(sets),
        "main_cf_removed": len(removals),
        "services": len(service_defs),
        "overrides_set": len(overrides),
        "overrides_removed": len(override_removals),
    }
    return plays, counts


def config_signature(container):
    """postconf -n/-M/-P, normalised: "a, b" and "a,b" are the same list, {} only quote, order ignored."""
    text = container.sh("postconf -n; echo ==; postconf -M; echo ==; postconf -P")
    text = text.replace(",", ", ").replace("{", "").replace("}", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Service order in master.cf does not matter to Postfix (postconf -M appends, the module
    # keeps the position of the commented template): compare sorted.
    return sorted(line for line in lines if not line.startswith("config_directory"))


def reset_config(container):
    container.sh(
        "cp %s/main.cf %s/master.cf /etc/postfix/ && postfix reload >/dev/null 2>&1" % (PRISTINE, PRISTINE), timeout=120
    )


def prepare_part1(container, books):
    """Pristine copies, one untimed role run (certificates, Dovecot drop-in) that also dumps the baseline."""
    container.sh(
        "postconf -e myhostname=%s && mkdir -p %s && cp /etc/postfix/main.cf /etc/postfix/master.cf %s/ "
        "&& postfix reload >/dev/null 2>&1" % (MX, PRISTINE, PRISTINE)
    )
    dump = os.path.join(books.workdir, "baseline.json")
    warmup = books.write(
        "role-warmup",
        role_play(
            [
                {
                    "name": "Dump the baseline the role applied",
                    "ansible.builtin.copy": {
                        "content": "{{ {'params': _postfix_hardening_params, "
                        "'services': _postfix_hardening_services} | to_json }}",
                        "dest": dump,
                        "mode": "0644",
                    },
                    "delegate_to": "localhost",
                }
            ]
        ),
    )
    log("part 1: untimed role run (issues certificates, Dovecot drop-in) and baseline dump")
    seconds, recap = books.play(warmup)[:2]
    log("part 1: warm-up role run %.1f s (ok=%d changed=%d)" % (seconds, recap["ok"], recap["changed"]))
    with open(dump) as handle:
        baseline = json.load(handle)
    fields = {}
    blocks = []
    for service in baseline["services"]:
        if service.get("state", "present") == "absent" or not service.get("command"):
            continue
        key = "%s/%s" % (service["name"], service["type"])
        line = container.sh("postconf -M %s" % shlex.quote(key)).strip()
        parts = re.split(r"\s+-o\s+", line)
        fields[key] = " ".join(parts[0].split())
        blocks.append("\n".join([fields[key]] + ["  -o " + option for option in parts[1:]]))
    baseline["service_fields"] = fields
    baseline["master_block"] = "\n".join(blocks)
    return baseline, config_signature(container)


def part1_samples(container, books, prepared, runs, deadline):
    baseline, role_signature = prepared
    plays, counts = variant_plays(baseline)
    paths = {"role": books.write("role", role_play())}
    for key, plays_of_variant in plays.items():
        paths[key] = books.write(key, plays_of_variant)
    # What any ansible-playbook run costs here, for reading the re-run times: start-up with no
    # task, and one no-op module task (a module round trip through the podman connection).
    floor_refs = floor_plays()
    floor_paths = {key: books.write("floor-" + key, ref[1]) for key, ref in floor_refs.items()}
    floor = {key: [] for key in floor_paths}
    log(
        "part 1: baseline = %(main_cf_set)d main.cf parameters set + %(main_cf_removed)d removed, "
        "%(services)d services, %(overrides_set)d -o overrides set + %(overrides_removed)d removed" % counts
    )
    samples = {
        key: {"first": [], "rerun": [], "recap_first": [], "recap_rerun": [], "full": [], "recap_full": []}
        for key, label in VARIANTS
    }
    same_config = {}
    cost = {}
    round_no = 0
    while True:
        round_no += 1
        ran = False
        # Round 1 runs every variant; later rounds go cheapest first, so that the time
        # budget buys the most samples.
        order = [key for key, label in VARIANTS]
        if round_no > 1:
            order.sort(key=lambda key: cost[key])
        for key in order:
            data = samples[key]
            if len(data["first"]) >= runs:
                continue
            if round_no > 1 and deadline and time.monotonic() + cost[key] > deadline:
                continue
            ran = True
            pair_start = time.monotonic()
            reset_config(container)
            first_s, first_recap = books.play(paths[key])[:2]
            if key not in same_config:
                same_config[key] = config_signature(container) == role_signature
            rerun_s, rerun_recap = books.play(paths[key])[:2]
            if key == "role":
                # The same unchanged server once more with every step (what a run costs when the
                # record does not match, e.g. the first run after a collection upgrade).
                full_s, full_recap = books.play(paths[key], ["-e", "postfix_hardening_fast_path=false"])[:2]
                data["full"].append(full_s)
                data["recap_full"].append(full_recap)
                log("part 1 round %d: role, fast path off: %6.1f s (ok=%d changed=%d)"
                    % (round_no, full_s, full_recap["ok"], full_recap["changed"]))  # fmt: skip
            cost[key] = time.monotonic() - pair_start
            data["first"].append(first_s)
            data["rerun"].append(rerun_s)
            data["recap_first"].append(first_recap)
            data["recap_rerun"].append(rerun_recap)
            log(
                "part 1 round %d: %-10s first %6.1f s (ok=%d changed=%d)  re-run %6.1f s (ok=%d changed=%d)"
                % (round_no, key, first_s, first_recap["ok"], first_recap["changed"], rerun_s, rerun_recap["ok"],
                   rerun_recap["changed"])
            )  # fmt: skip
        if len(floor["empty"]) < runs and (round_no == 1 or not deadline or time.monotonic() + 10 < deadline):
            for key, path in floor_paths.items():
                floor[key].append(books.play(path)[0])
            log("part 1 round %d: floor: debug-only play %.1f s, one no-op module task %.1f s"
                % (round_no, floor["empty"][-1], floor["noop"][-1]))  # fmt: skip
        if not ran:
            break
    rows = []
    for key, label in VARIANTS:
        data = samples[key]
        rows.append(
            {
                "key": key,
                "label": label,
                "n": len(data["first"]),
                "first_median": statistics.median(data["first"]),
                "rerun_median": statistics.median(data["rerun"]),
                "first_all": data["first"],
                "rerun_all": data["rerun"],
                "tasks_first": data["recap_first"][-1]["ok"],
                "tasks_rerun": data["recap_rerun"][-1]["ok"],
                "skipped_rerun": data["recap_rerun"][-1]["skipped"],
                "results_first": data["recap_first"][-1]["results"],
                "results_rerun": data["recap_rerun"][-1]["results"],
                "changed_first": [recap["changed"] for recap in data["recap_first"]],
                "changed_rerun": [recap["changed"] for recap in data["recap_rerun"]],
                "same_config": same_config.get(key),
                "full_all": data["full"],
                "full_median": statistics.median(data["full"]) if data["full"] else None,
                "tasks_full": data["recap_full"][-1]["ok"] if data["recap_full"] else None,
                "changed_full": [recap["changed"] for recap in data["recap_full"]],
            }
        )
    floor_rows = [
        {"key": key, "label": floor_refs[key][0], "all": floor[key], "median": statistics.median(floor[key])}
        for key in floor
    ]
    return {"rows": rows, "counts": counts, "runs_target": runs, "floor": floor_rows}


# ---------------------------------------------------------------------------- part 2


def part2():
    path = os.path.join(HERE, "maincf_throughput.py")
    spec = importlib.util.spec_from_file_location("maincf_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    template = bench.build_main_cf()
    params = bench.desired_params()
    directory = tempfile.mkdtemp(prefix="maincf-bench-")
    try:
        main_cf = os.path.join(directory, "main.cf")
        with open(main_cf, "w") as handle:
            handle.write(template)
        module_s, result = bench.time_module_code(main_cf, params)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    rows = [("maincf module code (read+parse+edit+render)", module_s * 1000)]
    if os.access(bench.POSTCONF, os.X_OK):
        rows.append(("60 x postconf -e / -X calls", bench.time_postconf(template, params, single_call=False) * 1000))
        rows.append(("1 x postconf -e (+1 x -X), all arguments", bench.time_postconf(template, params, True) * 1000))
    postconf_version = ""
    if os.access(bench.POSTCONF, os.X_OK):
        postconf_version = run([bench.POSTCONF, "-h", "mail_version"], check=False).stdout.strip()
    return {
        "lines": template.count("\n"),
        "params": len(params),
        "changed": len(result.changed_params),
        "repeat": bench.REPEAT,
        "target_ms": bench.TARGET_MS,
        "rows": rows,
        "host_postfix": postconf_version,
    }


# ---------------------------------------------------------------------------- part 3


class SmtpReader:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def reply(self):
        """Read one (possibly multi-line) SMTP reply; return its code."""
        while True:
            while b"\n" not in self.buffer:
                data = self.sock.recv(4096)
                if not data:
                    raise ConnectionError("connection closed by server")
                self.buffer += data
            line, self.buffer = self.buffer.split(b"\n", 1)
            if len(line) >= 4 and line[3:4] != b"-":
                return line[:3].decode("ascii", "replace")


def tls_session(address, port, context, fingerprint=None):
    """One full handshake: 465 implicit TLS, or 587 EHLO + STARTTLS; then QUIT."""
    with socket.create_connection((address, port), timeout=20) as raw:
        if port == 587:
            reader = SmtpReader(raw)
            if reader.reply() != "220":
                raise ConnectionError("no greeting")
            raw.sendall(b"EHLO bench.example\r\n")
            reader.reply()
            raw.sendall(b"STARTTLS\r\n")
            if reader.reply() != "220":
                raise ConnectionError("STARTTLS refused")
        with context.wrap_socket(raw, server_hostname=MX) as tls:
            if fingerprint is not None:
                der = tls.getpeercert(binary_form=True)
                fingerprint.append(hashlib.sha256(der).hexdigest())
            reader = SmtpReader(tls)
            if port == 465 and reader.reply() != "220":
                raise ConnectionError("no greeting after TLS")
            tls.sendall(b"QUIT\r\n")
            reader.reply()


def load(address, port, context, duration, concurrency):
    counts = {"ok": 0, "errors": 0, "last_error": ""}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        while time.monotonic() < stop_at:
            try:
                tls_session(address, port, context)
            except OSError as exc:
                with lock:
                    counts["errors"] += 1
                    counts["last_error"] = repr(exc)
                time.sleep(0.05)
                continue
            with lock:
                counts["ok"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def client_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def openssl_speed(container):
    algos = " ".join(algo for label, algo in SPEED_ALGOS)
    text = container.sh("openssl speed -seconds 1 %s 2>/dev/null" % algos, timeout=300)
    speeds = {}
    for line in text.splitlines():
        match = re.match(r"^rsa\s+(\d+) bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line.strip())
        if match:
            speeds["rsa" + match.group(1)] = (float(match.group(2)), float(match.group(3)))
        match = re.match(r"^256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line.strip())
        if match:
            speeds["ecdsap256"] = (float(match.group(1)), float(match.group(2)))
    rows = []
    for label, algo in SPEED_ALGOS:
        sign, verify = speeds.get(algo, (None, None))
        rows.append({"label": label, "algo": algo, "sign": sign, "verify": verify})
    return rows


def part3(container, duration, concurrency):
    address = container.inspect("{{.NetworkSettings.IPAddress}}")
    if not address:
        raise RuntimeError("container has no bridge IP address")
    log("part 3: generating ECDSA P-256, RSA-3072, RSA-4096 certificates in the container")
    script = ["set -e", "mkdir -p %s" % BENCH_CERTS, "cd %s" % BENCH_CERTS]
    for name, newkey in ((setup[1], setup[2]) for setup in CERT_SETUPS):
        script.append(
            "openssl req -x509 %s -nodes -keyout %s.key -out %s.crt -days 30 -subj /CN=%s "
            "-addext subjectAltName=DNS:%s 2>/dev/null" % (newkey, name, name, MX, MX)
        )
        script.append(
            "printf '%s %%s\\n' \"$(openssl x509 -in %s.crt -outform DER | sha256sum | cut -d' ' -f1)\"" % (name, name)
        )
    fingerprints = dict(line.split() for line in container.sh("\n".join(script), timeout=300).split("\n") if line)
    limits = " ".join("%s=%s" % item for item in HANDSHAKE_LIMITS.items())
    container.sh("postconf -e %s" % limits)
    log("part 3: set for the benchmark: %s" % limits)
    accounting, cpu_now = container.cpu_usage_reader()
    context = client_context()
    results = []
    for label, name in ((setup[0], setup[1]) for setup in CERT_SETUPS):
        chain = "%s/%s.key,%s/%s.crt" % (BENCH_CERTS, name, BENCH_CERTS, name)
        container.sh("postconf -e smtpd_tls_chain_files=%s && postfix reload >/dev/null 2>&1" % chain)
        served = []
        deadline = time.monotonic() + 30
        while True:
            served.clear()
            try:
                tls_session(address, 465, context, served)
            except OSError:
                served.append("")
            if served and served[-1] == fingerprints[name]:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("port 465 does not serve the %s certificate after the reload" % label)
            time.sleep(0.5)
        for port in (465, 587):
            load(address, port, context, 1.0, concurrency)  # warm up smtpd processes, not measured
            cpu_before = cpu_now()
            client_before = os.times()
            wall_before = time.monotonic()
            counts = load(address, port, context, duration, concurrency)
            wall = time.monotonic() - wall_before
            client_after = os.times()
            server_cpu = cpu_now() - cpu_before
            client_cpu = (client_after.user - client_before.user) + (client_after.system - client_before.system)
            row = {
                "cert": label,
                "port": port,
                "mode": "implicit TLS" if port == 465 else "STARTTLS",
                "handshakes": counts["ok"],
                "errors": counts["errors"],
                "last_error": counts["last_error"],
                "seconds": wall,
                "rate": counts["ok"] / wall,
                "server_cpu_s": server_cpu,
                "server_ms_per_hs": server_cpu * 1000 / counts["ok"] if counts["ok"] else None,
                "client_ms_per_hs": client_cpu * 1000 / counts["ok"] if counts["ok"] else None,
            }
            results.append(row)
            log(
                "part 3: %-11s %d/%-12s %7.1f handshakes/s, server CPU %.2f ms/handshake, %d errors"
                % (label, port, row["mode"], row["rate"], row["server_ms_per_hs"] or 0, row["errors"])
            )
    log("part 3: openssl speed -seconds 1 in the container")
    speed = openssl_speed(container)
    return {
        "address": address,
        "duration": duration,
        "concurrency": concurrency,
        "accounting": accounting,
        "limits": HANDSHAKE_LIMITS,
        "rows": results,
        "speed": speed,
    }


# ---------------------------------------------------------------------------- report


def machine_info(container):
    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info["cpu"] = cpu
    info["nproc"] = len(os.sched_getaffinity(0))
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    info["kernel"] = platform.release()
    info["python"] = platform.python_version()
    info["ansible_core"] = ANSIBLE_VERSION
    info["podman"] = run(["podman", "--version"], check=False).stdout.strip().replace("podman version ", "")
    info["host_openssl"] = ssl.OPENSSL_VERSION
    if container is not None and container.started:
        info["postfix"] = container.sh("postconf -h mail_version", check=False).strip()
        info["openssl"] = container.sh("openssl version", check=False).strip()
        info["os"] = container.sh(". /etc/os-release && echo $PRETTY_NAME", check=False).strip()
    info["load"] = " ".join("%.2f" % value for value in os.getloadavg())
    return info


def verdicts(p1):
    rows = {row["key"]: row for row in p1["rows"]}
    role = rows["role"]
    out = []
    out.append(
        (
            "(a) idempotent re-run reports changed=0",
            all(count == 0 for count in role["changed_rerun"]),
            "changed per re-run: %s" % role["changed_rerun"],
        )
    )
    for key in ("command", "lineinfile"):
        ratio = rows[key]["rerun_median"] / role["rerun_median"]
        out.append(
            (
                "(a) re-run >= 3x faster than %s" % rows[key]["label"].split(" ", 1)[0],
                ratio >= 3,
                "%.1f s vs %.1f s: %.2fx" % (role["rerun_median"], rows[key]["rerun_median"], ratio),
            )
        )
    ratio = rows["shell"]["rerun_median"] / role["rerun_median"]
    out.append(
        (
            "(a) re-run no slower than (d)",
            role["rerun_median"] <= rows["shell"]["rerun_median"],
            "%.1f s vs %.1f s: (d) is %.2fx of (a)" % (role["rerun_median"], rows["shell"]["rerun_median"], ratio),
        )
    )
    if role.get("full_median") is not None:
        out.append(
            (
                "(a) with postfix_hardening_fast_path=false on the unchanged server: changed=0 (for information)",
                all(count == 0 for count in role["changed_full"]),
                "%.1f s (%d tasks); %.1fx faster than (b), %.1fx than (c)"
                % (role["full_median"], role["tasks_full"], rows["command"]["rerun_median"] / role["full_median"],
                   rows["lineinfile"]["rerun_median"] / role["full_median"]),
            )
        )  # fmt: skip
    modules = rows["modules"]
    out.append(
        (
            "(a') modules-only re-run no slower than (d) (for information)",
            modules["rerun_median"] <= rows["shell"]["rerun_median"],
            "%.1f s vs %.1f s" % (modules["rerun_median"], rows["shell"]["rerun_median"]),
        )
    )
    return out


def fmt(value, pattern="%.1f"):
    return "-" if value is None else pattern % value


def tables(results):
    """Markdown tables, used for the console summary and the document."""
    out = []
    p1 = results.get("part1")
    if p1:
        out.append("### Part 1: converge cost (medians; n = samples per variant)\n")
        out.append(
            "| variant | n | first run (s) | re-run (s) | tasks first / re-run | task results incl. loop items "
            "first / re-run | changed on re-run | same config as role |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for row in p1["rows"]:
            changed = sorted(set(row["changed_rerun"]))
            same = {True: "yes", False: "NO", None: "-"}[row["same_config"]]
            out.append(
                "| %s | %d | %.1f | %.1f | %d / %d | %d / %d | %s | %s |"
                % (row["label"], row["n"], row["first_median"], row["rerun_median"], row["tasks_first"],
                   row["tasks_rerun"], row["results_first"], row["results_rerun"],
                   ", ".join(str(count) for count in changed), same)
            )  # fmt: skip
        out.append("")
        out.append("| target | met | figures |")
        out.append("|---|---|---|")
        for label, met, detail in verdicts(p1):
            out.append("| %s | %s | %s |" % (label, "yes" if met else "**no**", detail))
        out.append("")
        if p1.get("floor"):
            role = next(row for row in p1["rows"] if row["key"] == "role")
            out.append("What any run costs on this host, for reading the re-run times (medians):\n")
            out.append("| run | n | wall time (s) |")
            out.append("|---|---|---|")
            for row in p1["floor"]:
                out.append("| %s | %d | %.2f |" % (row["label"], len(row["all"]), row["median"]))
            noop = next(row for row in p1["floor"] if row["key"] == "noop")
            out.append(
                "| (a) re-run minus the no-op task play: the role's own cost beyond one module round trip "
                "(%d tasks) | %d | %.2f |"
                % (role["tasks_rerun"], role["n"], role["rerun_median"] - noop["median"])
            )  # fmt: skip
            out.append("")
    p2 = results.get("part2")
    if p2:
        out.append(
            "### Part 2: maincf throughput (%d-line main.cf, %d parameters, best of %d)\n"
            % (p2["lines"], p2["params"], p2["repeat"])
        )
        out.append("| method | time (ms) |")
        out.append("|---|---|")
        for label, millis in p2["rows"]:
            out.append("| %s | %.1f |" % (label, millis))
        module_ms = p2["rows"][0][1]
        out.append("")
        out.append(
            "Target: module code < %.0f ms: **%s** (%.1f ms).\n"
            % (p2["target_ms"], "met" if module_ms < p2["target_ms"] else "not met", module_ms)
        )
    p3 = results.get("part3")
    if p3:
        out.append(
            "### Part 3: handshake cost (%d s per row, %d concurrent client connections)\n"
            % (p3["duration"], p3["concurrency"])
        )
        out.append(
            "| server certificate | port | handshakes/s | server CPU ms/handshake | handshakes per server CPU-second "
            "| server cores busy | client CPU ms/handshake | errors |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for row in p3["rows"]:
            per_cpu = row["handshakes"] / row["server_cpu_s"] if row["server_cpu_s"] else None
            out.append(
                "| %s | %d (%s) | %.1f | %s | %s | %.2f | %s | %d |"
                % (row["cert"], row["port"], row["mode"], row["rate"], fmt(row["server_ms_per_hs"], "%.2f"),
                   fmt(per_cpu, "%.0f"), row["server_cpu_s"] / row["seconds"], fmt(row["client_ms_per_hs"], "%.2f"),
                   row["errors"])
            )  # fmt: skip
        out.append("")
        out.append("| `openssl speed -seconds 1` (one core, in the container) | sign/s | verify/s |")
        out.append("|---|---|---|")
        for row in p3["speed"]:
            out.append("| %s | %s | %s |" % (row["label"], fmt(row["sign"]), fmt(row["verify"])))
        out.append("")
    return "\n".join(out)


DOC_INTRO = """# Benchmarks

Generated by `make bench` (`benchmarks/run.py`); do not edit by hand. Re-run on your
machine to compare. Raw numbers: `benchmarks/results/latest.json` (not committed).
"""

DOC_METHOD = """## How it was measured

**Part 1, converge cost.** One Debian 12 container (`localhost/mailsec-demo:bookworm`,
systemd as PID 1, Postfix, Dovecot), the same container for every variant, reached with
`ansible_connection=containers.podman.podman`, `gather_facts: false` everywhere. An
untimed role run first issues the certificates (`postfix_hardening_cert_mode: selfsigned`),
writes the Dovecot drop-in and dumps the exact main.cf parameters and master.cf services the
role applies; (b), (c) and (d) apply that same baseline (parameters set and removed, the
submission/submissions services with their `-o` overrides), and each variant's first run is
checked to produce the same `postconf -n/-M/-P` as the role ("same config as role").
Each sample: main.cf and master.cf reset to the pristine copies (and Postfix reloaded, not
timed), first run, then an idempotent re-run; wall time of `ansible-playbook` including its
start-up. Variants run round-robin so load changes on the host hit all of them; samples
are capped at the run target and by the time budget (cheap variants reach the target,
expensive ones may get fewer: see n). "tasks" is the recap `ok` count (Ansible counts
changed tasks inside `ok`); "task results incl. loop items" counts every `ok:`/`changed:`
line, i.e. every loop item. Every variant notifies a `postfix reload` handler on change.
(b) is written as most published roles do it: `command` without `changed_when`, so it
reports changed (and reloads) on every run. (c) edits main.cf with `lineinfile` per parameter;
master.cf services are multi-line entries that `lineinfile` cannot edit, so (c) writes
them with one `blockinfile` task, as roles of that style do. (d) runs every `postconf`
call in one `shell` task and compares an md5 of main.cf+master.cf before/after.
The role (a) starts with one `postfix_info` read of the live server (configuration,
certificates, `postfix status`, the Dovecot SASL socket, SHA-256 of every file it manages)
and compares it with its record of the last successful converge (a digest of the role's
variables and the collection's code, and the file fingerprints that converge left). When
they match, that read is the whole remote work of the run: the audit (`tls_findings`) and
the DNS records are computed from it on the controller. Otherwise (always on the first run
of a sample, which starts from the pristine files) it takes the full path: reads the
Postfix version and defaults, checks the certificates and the Dovecot drop-in, predicts
with check mode, stages and validates with `postconf` and `postfix check`, writes, reloads,
probes the listeners (EHLO, STARTTLS, implicit TLS, AUTH after TLS), re-reads and records,
which is what a user gets when running it. Each (a) sample also times a third run with
`-e postfix_hardening_fast_path=false`: every step on the unchanged server, which is what a
run costs when the record does not match (first run after a collection upgrade, a renewed
certificate, a hand edit that turns out to change nothing). With the podman connection every
task that touches the host costs several `podman exec` calls (seconds on a loaded host), so
wall time follows the number of tasks and loop items far more than the work inside them.
Every round also times two reference plays against the same container: one with a single
`debug` task (what any `ansible-playbook` run costs before it touches the host) and one with a single no-op
`command` task (start-up plus one module round trip). (d)'s re-run is essentially the
second one; the role's re-run also has one module round trip, so the difference is the
role's own cost: its read (configuration, certificates, status, fingerprints) and its
controller-side tasks (argument checks, comparison, audit, DNS records, report).

**Part 2** calls `benchmarks/maincf_throughput.py` on the controller (host `postconf`).

**Part 3, handshake cost.** Same container, hardened by the role, then for the benchmark
only the limits below are set explicitly and `smtpd_tls_chain_files` is switched to a single
chain (ECDSA P-256, RSA-3072 or RSA-4096, self-signed, generated with `openssl req` in the
container) with `postfix reload` between setups. The client (Python threads, `ssl`, no
session resumption: every connection is a full handshake, TLS 1.3 with X25519) connects to
the container's bridge address, does the handshake (465) or EHLO + STARTTLS + handshake
(587), then QUIT. Server CPU is the container cgroup's CPU time over the measurement, so it
includes smtpd's per-connection work, the master process, anvil, tlsmgr and logging (the
hardened `smtpd_tls_loglevel = 1` logs every TLS connection), not only the signature.
Client and server share the host's cores, and with a fixed number of connections in flight
the rate is also bounded by round trips: when "server cores busy" is well below the number
of cores (ECDSA), handshakes/s measures the client and the latency, not the server's limit.
Compare certificates by "server CPU ms/handshake"; "handshakes per server CPU-second" is the
capacity of one server core including everything smtpd does per connection, to be read
next to `openssl speed` sign/s, which counts the signature alone.
"""


def write_doc(results, path):
    info = results["machine"]
    lines = [DOC_INTRO]
    lines.append("## Machine and versions\n")
    lines.append("| | |")
    lines.append("|---|---|")
    for label, key in (
        ("date", "date"),
        ("CPU (/proc/cpuinfo)", "cpu"),
        ("cores (nproc)", "nproc"),
        ("memory (GiB)", "memory_gib"),
        ("kernel", "kernel"),
        ("load average at start", "load_start"),
        ("load average at end", "load"),
        ("ansible-core", "ansible_core"),
        ("controller Python", "python"),
        ("podman", "podman"),
        ("container OS", "os"),
        ("Postfix (container)", "postfix"),
        ("OpenSSL (container)", "openssl"),
        ("OpenSSL (controller Python)", "host_openssl"),
    ):
        lines.append("| %s | %s |" % (label, info.get(key, "-")))
    lines.append("| total bench time | %.0f s |" % results.get("total_seconds", 0))
    lines.append("")
    lines.append("## Results\n")
    lines.append(tables(results))
    p1 = results.get("part1")
    if p1:
        counts = p1["counts"]
        lines.append(
            "Baseline applied by every variant: %(main_cf_set)d main.cf parameters set and %(main_cf_removed)d "
            "removed, %(services)d master.cf services, %(overrides_set)d `-o` overrides set and "
            "%(overrides_removed)d removed. "
            % counts
            + "Run target %d samples per variant; per-sample times (s):\n" % p1["runs_target"]
        )
        for row in p1["rows"]:
            lines.append(
                "- %s: first %s; re-run %s%s"
                % (row["label"].split(" ", 1)[0], ", ".join("%.1f" % value for value in row["first_all"]),
                   ", ".join("%.1f" % value for value in row["rerun_all"]),
                   "; re-run with the fast path off %s" % ", ".join("%.1f" % value for value in row["full_all"])
                   if row.get("full_all") else "")
            )  # fmt: skip
        lines.append("")
    p3 = results.get("part3")
    if p3:
        lines.append(
            "Limits set for Part 3 only: %s. CPU accounting: %s."
            % (", ".join("`%s = %s`" % item for item in p3["limits"].items()), p3["accounting"])
        )
        errors = [row for row in p3["rows"] if row["errors"]]
        for row in errors:
            lines.append(
                "\n%s %d: %d errors, last: `%s`" % (row["cert"], row["port"], row["errors"], row["last_error"])
            )
        lines.append("")
    lines.append(DOC_METHOD)
    notes = results.get("notes") or []
    if notes:
        lines.append("## Notes from this run\n")
        lines.extend("- " + note for note in notes)
        lines.append("")
    with open(path, "w") as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


# ---------------------------------------------------------------------------- main


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "5")), help="samples per variant")
    parser.add_argument(
        "--budget",
        type=float,
        default=float(env("BENCH_BUDGET", "840")),
        help="seconds for the whole run; Part 1 stops adding samples when the next would overrun (0: no limit)",
    )
    parser.add_argument("--duration", type=float, default=float(env("BENCH_DURATION", "10")))
    parser.add_argument("--concurrency", type=int, default=int(env("BENCH_CONCURRENCY", "8")))
    parser.add_argument("--parts", default="1,2,3", help="comma-separated subset of 1,2,3")
    parser.add_argument("--keep", action="store_true", default=env("BENCH_KEEP") == "1", help="keep the container")
    parser.add_argument("--doc", default=os.path.join(REPO, "docs", "benchmarks.md"))
    parser.add_argument("--results", default=os.path.join(HERE, "results", "latest.json"))
    parser.add_argument("--render", metavar="JSON", help="only rewrite the document from a results file")
    return parser.parse_args(argv)


def interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        with open(args.render) as handle:
            results = json.load(handle)
        write_doc(results, args.doc)
        print(tables(results))
        return 0
    parts = {part.strip() for part in args.parts.split(",")}
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    container = Container("mailsec-bench-%d" % os.getpid())
    workdir = tempfile.mkdtemp(prefix="mailsec-bench-")
    books = None
    results = {"notes": []}
    load_start = " ".join("%.2f" % value for value in os.getloadavg())
    deadline = START + args.budget if args.budget > 0 else None
    status = 1
    try:
        if parts & {"1", "3"}:
            log("starting container %s from %s" % (container.name, IMAGE))
            container.start()
            books = Playbooks(workdir, container)
        if "1" in parts or "3" in parts:
            # The role run inside prepare_part1 also hardens the server Part 3 measures, so
            # Part 1's preparation comes first and its timed samples run last, with the
            # remaining budget.
            baseline_state = prepare_part1(container, books)
        if "2" in parts:
            log("part 2: maincf throughput (benchmarks/maincf_throughput.py)")
            results["part2"] = part2()
            log("part 2: module code %.1f ms" % results["part2"]["rows"][0][1])
        if "3" in parts:
            results["part3"] = part3(container, args.duration, args.concurrency)
        if "1" in parts:
            results["part1"] = part1_samples(container, books, baseline_state, args.runs, deadline)
            short = [row for row in results["part1"]["rows"] if row["n"] < args.runs]
            if short:
                results["notes"].append(
                    "The time budget (%.0f s) stopped Part 1 before every variant reached %d samples: %s. "
                    "Run `BENCH_BUDGET=0 make bench` for the full count (slower)."
                    % (args.budget, args.runs, ", ".join("%s n=%d" % (row["key"], row["n"]) for row in short))
                )
        results["machine"] = machine_info(container)
        results["machine"]["load_start"] = load_start
        results["total_seconds"] = elapsed()
        status = 0
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        status = 130
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        log("FAILED: %s" % exc)
        status = 1
    finally:
        if books is not None:
            books.stop()
        if args.keep and container.started:
            log("keeping container %s (BENCH_KEEP)" % container.name)
        else:
            log("removing container %s" % container.name)
            container.remove()
        shutil.rmtree(workdir, ignore_errors=True)
    if status != 0:
        return status
    os.makedirs(os.path.dirname(args.results), exist_ok=True)
    with open(args.results, "w") as handle:
        json.dump(results, handle, indent=1)
    if parts == {"1", "2", "3"}:
        write_doc(results, args.doc)
        log("wrote %s and %s" % (os.path.relpath(args.doc, REPO), os.path.relpath(args.results, REPO)))
    print()
    print(tables(results))
    for note in results["notes"]:
        print("NOTE: " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
