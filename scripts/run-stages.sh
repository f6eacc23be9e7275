#!/usr/bin/env bash
# Run `make <stage>` for each stage in order, stop at the first failure, and
# print a per-stage timing summary at the end (also on failure).
set -uo pipefail
mkdir -p .build
summary=()
total_start=$(date +%s)
rc=0
for stage in "$@"; do
  printf '\n===== make %s =====\n' "$stage"
  start=$(date +%s)
  make --no-print-directory "$stage"
  rc=$?
  secs=$(( $(date +%s) - start ))
  summary+=("$(printf '%-10s %5ds  %s' "$stage" "$secs" "$([ $rc -eq 0 ] && echo ok || echo FAILED)")")
  [ $rc -eq 0 ] || break
done
printf '\n===== timing summary =====\n'
printf '%s\n' "${summary[@]}"
printf '%-10s %5ds\n' total $(( $(date +%s) - total_start ))
exit $rc
