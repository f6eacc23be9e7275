# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One maincf edit of 60 parameters on a 5,000-line main.cf, against postconf -e.

Measures the module's own code (read, parse, edit, render; no postconf
validation, no file write) and compares it with the same edit done as 60
`postconf -c DIR -e` calls and as one `postconf -c DIR -e` with 60 arguments.
Target: the module's code under 100 ms. Run: .venv/bin/python benchmarks/maincf_throughput.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for root in (os.path.join(REPO, ".build", "collections"),):
    if os.path.isdir(os.path.join(root, "ansible_collections", "mailsec", "postfix")):
        sys.path.insert(0, root)

from ansible_collections.mailsec.postfix.plugins.module_utils import _maincf  # noqa: E402

POSTCONF = shutil.which("postconf") or "/usr/sbin/postconf"
TARGET_MS = 100.0
REPEAT = 5


def build_main_cf(lines=5000):
    """A realistic-looking main.cf: comments, blanks, continuations, duplicates."""
    out = []
    index = 0
    while len(out) < lines:
        out.append("# setting %d: explained in a comment line" % index)
        out.append("user_param_%d = value_%d, other_%d" % (index, index, index))
        if index % 5 == 0:
            out.append("    continued_%d" % index)
        if index % 7 == 0:
            out.append("")
        if index % 50 == 0:
            out.append("#commented_param_%d = old" % index)
        index += 1
    return "\n".join(out[:lines]) + "\n"


def desired_params(count=60):
    params = {}
    for i in range(count):
        if i % 3 == 0:
            params["user_param_%d" % (i * 40)] = ["changed_%d" % i, "reject"]
        elif i % 3 == 1:
            params["new_param_%d" % i] = "value %d" % i
        else:
            params["user_param_%d" % (i * 40 + 1)] = None
    return params


def postconf_args(params):
    args = []
    for name, value in params.items():
        if value is None:
            continue
        text = ", ".join(value) if isinstance(value, list) else str(value)
        args.append("%s=%s" % (name, text))
    return args


def time_module_code(path, params):
    best = None
    for _attempt in range(REPEAT):
        start = time.perf_counter()
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "surrogateescape")
        result = _maincf.edit(text, params)
        result.text.encode("utf-8", "surrogateescape")
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def time_postconf(template, params, single_call):
    best = None
    for _attempt in range(REPEAT):
        directory = tempfile.mkdtemp(prefix="maincf-bench-")
        try:
            with open(os.path.join(directory, "main.cf"), "w") as handle:
                handle.write(template)
            args = postconf_args(params)
            removals = [name for name, value in params.items() if value is None]
            start = time.perf_counter()
            if single_call:
                subprocess.run([POSTCONF, "-c", directory, "-e", *args], check=True, capture_output=True)
                subprocess.run([POSTCONF, "-c", directory, "-X", *removals], check=True, capture_output=True)
            else:
                for arg in args:
                    subprocess.run([POSTCONF, "-c", directory, "-e", arg], check=True, capture_output=True)
                for name in removals:
                    subprocess.run([POSTCONF, "-c", directory, "-X", name], check=True, capture_output=True)
            elapsed = time.perf_counter() - start
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    template = build_main_cf()
    params = desired_params()
    directory = tempfile.mkdtemp(prefix="maincf-bench-")
    try:
        path = os.path.join(directory, "main.cf")
        with open(path, "w") as handle:
            handle.write(template)
        module_s, result = time_module_code(path, params)
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    rows = [("maincf module code (read+parse+edit+render)", module_s)]
    if os.access(POSTCONF, os.X_OK):
        rows.append(("60 x postconf -e / -X calls", time_postconf(template, params, single_call=False)))
        rows.append(("1 x postconf -e (+1 x -X) with all args", time_postconf(template, params, single_call=True)))
    else:
        rows.append(("postconf not installed", None))

    print(
        "main.cf: %d lines, %d parameters edited (%d changed)"
        % (template.count("\n"), len(params), len(result.changed_params))
    )
    print("best of %d runs" % REPEAT)
    print("%-46s %12s" % ("method", "time (ms)"))
    print("-" * 59)
    for label, seconds in rows:
        print("%-46s %12s" % (label, "-" if seconds is None else "%.1f" % (seconds * 1000)))
    verdict = "OK" if module_s * 1000 < TARGET_MS else "OVER TARGET"
    print("target: module code < %.0f ms -> %s" % (TARGET_MS, verdict))
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
