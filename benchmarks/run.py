# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: converge cost, maincf throughput and TLS handshake cost in one run.

Part 1  converge cost of the same configuration change applied five ways in ONE Debian 12
        container (the role, maincf+mastercf alone, command/postconf per parameter,
        lineinfile per parameter, one shell task), first run and idempotent re-run, medians;
        the change is what the role's warm-up run did to postconf -n/-M/-P. Role samples
        also time a run right after postconf re-applied the same values, and one with the
        fast path off.
Part 2  benchmarks/maincf_throughput.py (module code vs postconf on a 5,000-line main.cf).
Part 3  full TLS handshakes/s on 465 and STARTTLS sessions/s on 587 for ECDSA P-256,
        RSA-3072 and RSA-4096 server certificates, with the server CPU per handshake
        (the container's cgroup), next to `openssl speed` sign/s.

The code is the package benchmarks/mailbench; the document's text is
benchmarks/report.md.tmpl. Writes docs/benchmarks.md and benchmarks/results/latest.json;
removes its container on exit, Ctrl-C or failure. Environment knobs: BENCH_RUNS (samples
per variant, default 5), BENCH_BUDGET (seconds for the whole run, default 840; 0 = no
limit, always BENCH_RUNS samples), BENCH_DURATION (seconds per handshake measurement,
default 10), BENCH_CONCURRENCY (client connections in flight, default 8), BENCH_KEEP=1
keeps the container.
Run: make bench   (or .venv/bin/python benchmarks/run.py --help)
"""

import sys

# benchmarks/ is on sys.path when this file is run as a script.
from mailbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
