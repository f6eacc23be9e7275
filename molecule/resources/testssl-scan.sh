#!/usr/bin/env bash
# Scan 25 (STARTTLS), 587 (STARTTLS) and 465 (implicit TLS) of one server with testssl.sh,
# in parallel, one JSON file per port: OUTDIR/LABEL-PORT.json. Bounded by a timeout.
# Usage: testssl-scan.sh IP OUTDIR LABEL HOSTNAME [CAFILE]
# HOSTNAME is the name the certificate must match (the MX name); IP is where it listens.
set -uo pipefail
ip=$1 outdir=$2 label=$3 host=$4 cafile=${5:-}
mkdir -p "$outdir"
opts=(--quiet --color 0 --warnings batch --nodns none --ip "$ip" -p -s -f -S)
[ -n "$cafile" ] && opts+=(--add-ca "$cafile")
pids=()
for port in 25 587 465; do
  out="$outdir/$label-$port.json"
  rm -f "$out"
  starttls=(-t smtp)
  [ "$port" = 465 ] && starttls=()
  timeout 600 testssl "${opts[@]}" "${starttls[@]}" --jsonfile "$out" "$host:$port" >"$outdir/$label-$port.log" 2>&1 &
  pids+=($!)
done
# testssl exits non-zero when it has findings; a missing JSON file is what means failure
for pid in "${pids[@]}"; do wait "$pid" || true; done
for port in 25 587 465; do
  [ -s "$outdir/$label-$port.json" ] || { echo "no testssl result for $host:$port" >&2; tail -5 "$outdir/$label-$port.log" >&2; exit 1; }
done
exit 0
