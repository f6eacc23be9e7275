# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one podman container (Debian 12, systemd, Postfix, Dovecot) every part runs against."""

import os
import time

from .common import CONTAINERFILE_DIR, IMAGE, MX, log, run


def _cgroup_v1_reader(path):
    for mount in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"):
        usage = mount + path + "/cpuacct.usage"
        if os.path.exists(usage):

            def read_v1(usage=usage):
                with open(usage) as handle:
                    return int(handle.read()) / 1e9

            return "cgroup v1 cpuacct.usage", read_v1
    return None


def _cgroup_v2_reader(path):
    stat = "/sys/fs/cgroup" + path + "/cpu.stat"
    if not os.path.exists(stat):
        return None

    def read_v2(stat=stat):
        with open(stat) as handle:
            for row in handle:
                if row.startswith("usage_usec"):
                    return int(row.split()[1]) / 1e6
        return 0.0

    return "cgroup v2 cpu.stat", read_v2


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
        """(label, function returning the container's CPU time in seconds): cgroup v1 cpuacct or v2 cpu.stat."""
        pid = self.inspect("{{.State.Pid}}")
        with open("/proc/%s/cgroup" % pid) as handle:
            lines = handle.read().splitlines()
        for line in lines:
            hier, controllers, path = line.split(":", 2)
            reader = None
            if "cpuacct" in controllers.split(","):
                reader = _cgroup_v1_reader(path)
            elif hier == "0" and not controllers:
                reader = _cgroup_v2_reader(path)
            if reader is not None:
                return reader
        raise RuntimeError("no CPU accounting found for the container's cgroup")

    def remove(self):
        if self.started:
            run(["podman", "rm", "-f", "-t", "0", self.name], check=False)
            self.started = False
