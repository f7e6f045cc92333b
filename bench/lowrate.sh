#!/usr/bin/env bash
# lowrate.sh: the generator's own CPU at the study's low rates (issue 4: harness under 5 % of a
# core at 600 req/s). Runs pocbench load three ways against /health of the C contender
# (apps/c/bin/server; the test server if that is not built), unpinned, each under
# /usr/bin/time, and prints CPU seconds, requests and CPU per request:
#   rate600   constant-arrival-rate 600/s for SECONDS (preAllocatedVUs 50, maxVUs 200)
#   think60   60 VUs x 100 ms think time for SECONDS (about 600 req/s)
#   profile   --config profiles/load.json --scale 0.25 (the study's closed model, 30 s)
#   bench/lowrate.sh [--seconds S] [--pocbench PATH] [--url URL] [--only NAME]
set -eu
cd "$(dirname "$0")/.."
secs=30 pb=build/pocbench url="" only=""
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) secs=$2; shift 2 ;;
    --pocbench) pb=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "lowrate.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$pb" ] || make -s build/pocbench
tmp=$(mktemp -d)
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
if [ -z "$url" ]; then
  if [ -x apps/c/bin/server ]; then
    HOST=127.0.0.1 PORT=0 apps/c/bin/server 2>"$tmp/srv" &
    srv=$!
    for _ in $(seq 50); do grep -q 'listening on' "$tmp/srv" 2>/dev/null && break; sleep 0.1; done
    url="http://$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$tmp/srv")/health"
  else
    [ -x build/bench/testserver ] || make -s build/bench/testserver
    build/bench/testserver 0 >"$tmp/port" &
    srv=$!
    for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    url="http://127.0.0.1:$(cat "$tmp/port")/health"
  fi
fi
echo "target $url, $pb, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %9s %8s %8s %10s %8s\n' case requests cpu_s user_s us_per_req core_%
one() {
  local name=$1; shift
  [ -z "$only" ] || [ "$only" = "$name" ] || return 0
  /usr/bin/time -f '%U %S %e' -o "$tmp/$name.time" "$pb" load --quiet --no-thresholds \
    --summary-export "$tmp/$name.json" "$@" "$url" >"$tmp/$name.out" 2>&1 || true
  python3 - "$name" "$tmp/$name.time" "$tmp/$name.json" <<'PY'
import json, sys
name, tf, jf = sys.argv[1:]
u, s, e = (float(x) for x in open(tf).read().split()[-3:])
n = json.load(open(jf))["metrics"]["http_reqs"]["count"]
print(f"{name:<8} {n:>9} {u + s:>8.2f} {u:>8.2f} {1e6 * (u + s) / max(n, 1):>10.1f} {100 * (u + s) / e:>8.2f}")
PY
}
one rate600 --executor constant-arrival-rate --rate 600 --duration "${secs}s" --pre-allocated-vus 50 --max-vus 200
one think60 --vus 60 --duration "${secs}s" --sleep 100ms
one profile --config profiles/load.json --scale 0.25
