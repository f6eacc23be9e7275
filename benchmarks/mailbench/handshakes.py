# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Part 3: full TLS handshakes/s on 465 and STARTTLS sessions/s on 587 per server certificate.

Server CPU per handshake is the container cgroup's CPU time over the measurement; `openssl
speed` sign/s in the container is reported next to it.
"""

import hashlib
import os
import re
import socket
import ssl
import threading
import time

from .common import MX, log

BENCH_CERTS = "/etc/postfix/bench-certs"
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

    threads = [threading.Thread(target=worker, daemon=True) for _index in range(concurrency)]
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
    algos = " ".join(algo for _label, algo in SPEED_ALGOS)
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


def make_certificates(container):
    """Self-signed certificates of every setup in the container; {name: sha256 of the DER}."""
    script = ["set -e", "mkdir -p %s" % BENCH_CERTS, "cd %s" % BENCH_CERTS]
    for _label, name, newkey in CERT_SETUPS:
        script.append(
            "openssl req -x509 %s -nodes -keyout %s.key -out %s.crt -days 30 -subj /CN=%s "
            "-addext subjectAltName=DNS:%s 2>/dev/null" % (newkey, name, name, MX, MX)
        )
        script.append(
            "printf '%s %%s\\n' \"$(openssl x509 -in %s.crt -outform DER | sha256sum | cut -d' ' -f1)\"" % (name, name)
        )
    return dict(line.split() for line in container.sh("\n".join(script), timeout=300).split("\n") if line)


def serve_certificate(container, address, context, setup, fingerprint):
    """Switch smtpd to the chain of one CERT_SETUPS entry, reload, wait until port 465 serves it."""
    label, name, _newkey = setup
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
        if served and served[-1] == fingerprint:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("port 465 does not serve the %s certificate after the reload" % label)
        time.sleep(0.5)


def measure(address, port, context, settings, cpu_now):
    """One row: handshakes over settings["duration"] s with settings["concurrency"] connections in flight."""
    load(address, port, context, 1.0, settings["concurrency"])  # warm up smtpd processes, not measured
    cpu_before = cpu_now()
    client_before = os.times()
    wall_before = time.monotonic()
    counts = load(address, port, context, settings["duration"], settings["concurrency"])
    wall = time.monotonic() - wall_before
    client_after = os.times()
    server_cpu = cpu_now() - cpu_before
    client_cpu = (client_after.user - client_before.user) + (client_after.system - client_before.system)
    return {
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


def part3(container, duration, concurrency):
    address = container.inspect("{{.NetworkSettings.IPAddress}}")
    if not address:
        raise RuntimeError("container has no bridge IP address")
    log("part 3: generating ECDSA P-256, RSA-3072, RSA-4096 certificates in the container")
    fingerprints = make_certificates(container)
    limits = " ".join("%s=%s" % item for item in HANDSHAKE_LIMITS.items())
    container.sh("postconf -e %s" % limits)
    log("part 3: set for the benchmark: %s" % limits)
    accounting, cpu_now = container.cpu_usage_reader()
    context = client_context()
    settings = {"duration": duration, "concurrency": concurrency}
    results = []
    for setup in CERT_SETUPS:
        label, name, _newkey = setup
        serve_certificate(container, address, context, setup, fingerprints[name])
        for port in (465, 587):
            row = dict(cert=label, **measure(address, port, context, settings, cpu_now))
            results.append(row)
            log(
                "part 3: %-11s %d/%-12s %7.1f handshakes/s, server CPU %.2f ms/handshake, %d errors"
                % (label, port, row["mode"], row["rate"], row["server_ms_per_hs"] or 0, row["errors"])
            )
    log("part 3: openssl speed -seconds 1 in the container")
    return {
        "address": address,
        "duration": duration,
        "concurrency": concurrency,
        "accounting": accounting,
        "limits": HANDSHAKE_LIMITS,
        "rows": results,
        "speed": openssl_speed(container),
    }
