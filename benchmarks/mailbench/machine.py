# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Machine and versions for the report."""

import datetime
import os
import platform
import ssl

from .common import run

try:
    from ansible.release import __version__ as ANSIBLE_VERSION
except ImportError:
    ANSIBLE_VERSION = "unknown"


def _proc_field(path, prefix):
    with open(path) as handle:
        for line in handle:
            if line.startswith(prefix):
                return line
    return None


def machine_info(container):
    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    cpu = _proc_field("/proc/cpuinfo", "model name")
    info["cpu"] = cpu.split(":", 1)[1].strip() if cpu else "unknown"
    info["nproc"] = len(os.sched_getaffinity(0))
    memory = _proc_field("/proc/meminfo", "MemTotal")
    if memory:
        info["memory_gib"] = round(int(memory.split()[1]) / 1024 / 1024, 1)
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
