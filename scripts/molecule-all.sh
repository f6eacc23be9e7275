#!/usr/bin/env bash
# Run every Molecule scenario (molecule/*/molecule.yml) at the same time, each in its own
# process and log (.build/molecule-<scenario>.log), print progress while they run, and
# show the log of any scenario that failed. Containers are named per scenario, so the
# scenarios do not share state. Usage: molecule-all.sh [scenario...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
mkdir -p .build
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  for f in molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$f")")"); done
fi
declare -A pid start
for s in "${scenarios[@]}"; do
  start[$s]=$(date +%s)
  molecule test -s "$s" >".build/molecule-$s.log" 2>&1 &
  pid[$s]=$!
  echo "molecule test -s $s started (log: .build/molecule-$s.log)"
done

progress() {
  for s in "${scenarios[@]}"; do
    # the last "scenario > action" line molecule printed
    local last
    last=$(sed 's/\x1b\[[0-9;]*m//g' ".build/molecule-$s.log" 2>/dev/null | grep -aoE "$s (>|➜) [a-z_]+" | tail -1 | sed -E 's/.* (>|➜) //')
    printf '  [%4ss] %-8s %s\n' "$(( $(date +%s) - start[$s] ))" "$s" "${last:-starting}"
  done
}

while true; do
  running=0
  for s in "${scenarios[@]}"; do kill -0 "${pid[$s]}" 2>/dev/null && running=1; done
  [ $running -eq 0 ] && break
  sleep 30
  progress
done

rc=0
for s in "${scenarios[@]}"; do
  wait "${pid[$s]}"
  r=$?
  secs=$(( $(date +%s) - start[$s] ))
  if [ $r -eq 0 ]; then
    echo "molecule test -s $s: ok (${secs}s)"
    grep -aE "passed|failed" ".build/molecule-$s.log" | grep -aE "[0-9]+ passed" | tail -2
  else
    echo "molecule test -s $s: FAILED (rc=$r, ${secs}s); last 150 lines of its log:"
    tail -150 ".build/molecule-$s.log"
    rc=1
  fi
done
exit $rc
