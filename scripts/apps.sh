#!/usr/bin/env bash
# Runs a step for every contender, i.e. every apps/*/service.conf (adding a contender needs no
# change here):
#   apps.sh build    the descriptor's `build` command, with sh -c in the contender's folder
#   apps.sh test     its `test` command there, then `build/pocbench verify --service <name>`
# Keeps going after a failure, prints one result line per contender and step, and exits 1 if
# any failed. POCBENCH overrides the pocbench binary (default build/pocbench).
set -eu
cd "$(dirname "$0")/.."
step=${1:-}
case "$step" in build|test) ;; *) echo "usage: scripts/apps.sh build|test" >&2; exit 2 ;; esac
pocbench=${POCBENCH:-build/pocbench}

# value of a top-level key (before any [variant] section); empty when absent
conf_get() {
  awk -v k="$2" '
    /^[ \t]*\[/ { exit }
    /^[ \t]*#/ { next }
    { line = $0; i = index(line, "="); if (i == 0) next
      key = substr(line, 1, i - 1); gsub(/^[ \t]+|[ \t]+$/, "", key)
      if (key == k) { v = substr(line, i + 1); gsub(/^[ \t]+|[ \t]+$/, "", v); print v; exit } }' "$1"
}

fail=0; failed=()
run() { # label, command...
  local label=$1; shift
  local start=$(date +%s)
  if "$@"; then echo "apps: $label: ok ($(( $(date +%s) - start ))s)"
  else echo "apps: $label: FAILED"; fail=1; failed+=("$label"); fi
}

found=0
for conf in apps/*/service.conf; do
  [ -f "$conf" ] || continue
  found=1
  dir=$(dirname "$conf")
  name=$(conf_get "$conf" name)
  name=${name:-$(basename "$dir")}
  cmd=$(conf_get "$conf" "$step")
  if [ -z "$cmd" ]; then
    echo "apps: $name: no '$step' command in $conf, skipped"
  else
    echo "apps: $name: $step: $cmd"
    run "$name $step" sh -c "cd '$dir' && $cmd"
  fi
  if [ "$step" = test ]; then
    run "$name verify" "$pocbench" verify --service "$name"
  fi
done
[ $found -eq 1 ] || echo "apps: no apps/*/service.conf found"
[ $fail -eq 0 ] || echo "apps: failed: ${failed[*]}"
exit $fail
