# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Part 2: benchmarks/maincf_throughput.py (module code vs postconf on a 5,000-line main.cf)."""

import importlib.util
import os
import shutil
import tempfile

from .common import BENCH_DIR, run


def load_bench():
    path = os.path.join(BENCH_DIR, "maincf_throughput.py")
    spec = importlib.util.spec_from_file_location("maincf_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def part2():
    bench = load_bench()
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
    postconf_version = ""
    if os.access(bench.POSTCONF, os.X_OK):
        rows.append(("60 x postconf -e / -X calls", bench.time_postconf(template, params, single_call=False) * 1000))
        rows.append(("1 x postconf -e (+1 x -X), all arguments", bench.time_postconf(template, params, True) * 1000))
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
