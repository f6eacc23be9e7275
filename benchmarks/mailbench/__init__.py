# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The `make bench` package; benchmarks/run.py is its entry point.

common      paths, logging, subprocess helper
container   the podman container every part runs against
liveconfig  postconf -n/-M/-P snapshots and what changed between two of them
plays       ansible-playbook runner and the playbooks of every Part 1 variant
converge    Part 1: converge cost
throughput  Part 2: maincf throughput (wraps benchmarks/maincf_throughput.py)
handshakes  Part 3: TLS handshake cost
report      verdicts, tables and the document (benchmarks/report.md.tmpl)
cli         arguments and the run
"""
