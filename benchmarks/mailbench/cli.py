# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Arguments, environment knobs and the order of the parts."""

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile

from .common import BENCH_DIR, IMAGE, REPO, START, elapsed, log
from .container import Container
from .converge import part1_samples, prepare_part1
from .handshakes import part3
from .machine import machine_info
from .plays import Playbooks
from .report import tables, write_doc
from .throughput import part2

DESCRIPTION = "make bench: converge cost, maincf throughput and TLS handshake cost in one run."


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=DESCRIPTION)
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
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results", "latest.json"))
    parser.add_argument("--render", metavar="JSON", help="only rewrite the document from a results file")
    return parser.parse_args(argv)


def interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def render_only(args):
    with open(args.render) as handle:
        results = json.load(handle)
    write_doc(results, args.doc)
    print(tables(results))
    return 0


def run_parts(args, parts, container, books, results):
    """The parts in the order the container needs them; fills results."""
    deadline = START + args.budget if args.budget > 0 else None
    if parts & {"1", "3"}:
        # The role run inside prepare_part1 also hardens the server Part 3 measures, so
        # Part 1's preparation comes first and its timed samples run last, with the
        # remaining budget.
        prepared = prepare_part1(container, books)
    if "2" in parts:
        log("part 2: maincf throughput (benchmarks/maincf_throughput.py)")
        results["part2"] = part2()
        log("part 2: module code %.1f ms" % results["part2"]["rows"][0][1])
    if "3" in parts:
        results["part3"] = part3(container, args.duration, args.concurrency)
    if "1" in parts:
        results["part1"] = part1_samples(container, books, prepared, args.runs, deadline)
        short = [row for row in results["part1"]["rows"] if row["n"] < args.runs]
        if short:
            results["notes"].append(
                "The time budget (%.0f s) stopped Part 1 before every variant reached %d samples: %s. "
                "Run `BENCH_BUDGET=0 make bench` for the full count (slower)."
                % (args.budget, args.runs, ", ".join("%s n=%d" % (row["key"], row["n"]) for row in short))
            )


def measure(args, parts, results):
    """Start the container, run the parts, always remove the container; return the exit status."""
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    container = Container("mailsec-bench-%d" % os.getpid())
    workdir = tempfile.mkdtemp(prefix="mailsec-bench-")
    books = None
    load_start = " ".join("%.2f" % value for value in os.getloadavg())
    try:
        if parts & {"1", "3"}:
            log("starting container %s from %s" % (container.name, IMAGE))
            container.start()
            books = Playbooks(workdir, container)
        run_parts(args, parts, container, books, results)
        results["machine"] = machine_info(container)
        results["machine"]["load_start"] = load_start
        results["total_seconds"] = elapsed()
        return 0
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        log("FAILED: %s" % exc)
        return 1
    finally:
        if books is not None:
            books.stop()
        if args.keep and container.started:
            log("keeping container %s (BENCH_KEEP)" % container.name)
        else:
            log("removing container %s" % container.name)
            container.remove()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        return render_only(args)
    parts = {part.strip() for part in args.parts.split(",")}
    results = {"notes": []}
    status = measure(args, parts, results)
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
