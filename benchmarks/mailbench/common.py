# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths, constants shared by the parts, logging and the subprocess helper."""

import os
import subprocess
import sys
import time

PACKAGE = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.dirname(PACKAGE)
REPO = os.path.dirname(BENCH_DIR)
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
IMAGE = "localhost/mailsec-demo:bookworm"
CONTAINERFILE_DIR = os.path.join(REPO, "scripts", "demo")
MX = "mx.bench.example"
START = time.monotonic()


def elapsed():
    return time.monotonic() - START


def log(message):
    print("[%4ds] %s" % (elapsed(), message), flush=True)


def run(argv, check=True, input_text=None, timeout=600):
    proc = subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed (rc=%d): %s" % (" ".join(argv[:4]), proc.returncode, proc.stderr[-2000:]))
    return proc
