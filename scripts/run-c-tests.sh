#!/usr/bin/env bash
# Runs each C test program in DIR; each prints "ok"/"not ok" lines and exits non-zero on failure.
# POCBENCH (default build/pocbench) tells tests which binary to drive.
set -u
dir=$1; shift
export POCBENCH=${POCBENCH:-build/pocbench}
pass=0; fail=0
for t in "$@"; do
  if "$dir/$t"; then pass=$((pass+1)); else echo "FAIL: $dir/$t"; fail=$((fail+1)); fi
done
echo "C test programs ($dir): $pass passed, $fail failed"
[ $fail -eq 0 ]
