#!/usr/bin/env bash
# Runs each named make target as one test group, keeps going after a failure, and ends with
# one "N passed, N failed" line over the groups (each group prints its own detail above it).
set -u
cd "$(dirname "$0")/.."
pass=0; fail=0; failed=()
for t in "$@"; do
  echo "=== $t"
  start=$(date +%s)
  if make --no-print-directory "$t"; then pass=$((pass+1)); r=PASS; else fail=$((fail+1)); failed+=("$t"); r=FAIL; fi
  echo "=== $t: $r ($(( $(date +%s) - start ))s)"
done
[ $fail -eq 0 ] || echo "failed groups: ${failed[*]}"
echo "groups: $pass passed, $fail failed"
[ $fail -eq 0 ]
