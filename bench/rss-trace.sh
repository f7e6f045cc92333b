#!/usr/bin/env bash
# rss-trace.sh: resident memory of pocbench load at 1,000 VUs over time, against the test server.
#   bench/rss-trace.sh [--minutes M] [--vus N] [--interval S] [--url URL]
# Defaults: 10 minutes, 1000 VUs, a sample every 10 s (every 1 s for runs under 2 minutes),
# 100 ms think time (the study's profile). Prints "elapsed_s rss_kib" rows, then first/max/last.
# Flat RSS is the point: histograms are fixed-size, nothing grows with requests.
set -eu
cd "$(dirname "$0")/.."
minutes=10 vus=1000 interval="" url=""
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --vus) vus=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    *) echo "rss-trace.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$interval" ] || interval=$(awk -v m="$minutes" 'BEGIN { print (m < 2 ? 1 : 10) }')
[ -x build/pocbench ] && [ -x build/bench/testserver ] || make -s build/pocbench build/bench/testserver
tmp=$(mktemp -d)
srv="" gen=""
cleanup() { for p in $gen $srv; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
if [ -z "$url" ]; then
  build/bench/testserver 0 >"$tmp/port" &
  srv=$!
  for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  url="http://127.0.0.1:$(cat "$tmp/port")/"
fi
secs=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
build/pocbench load --quiet --vus "$vus" --duration "${secs}s" --sleep 100ms "$url" >"$tmp/out" 2>&1 &
gen=$!
echo "pocbench load --vus $vus --duration ${secs}s --sleep 100ms $url (pid $gen), RSS every ${interval}s"
echo "elapsed_s rss_kib"
start=$(date +%s)
first="" max=0 last=0
while kill -0 "$gen" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$gen/status" 2>/dev/null || true)
  [ -n "$rss" ] || break
  now=$(( $(date +%s) - start ))
  echo "$now $rss"
  [ -n "$first" ] || first=$rss
  [ "$rss" -gt "$max" ] && max=$rss
  last=$rss
  sleep "$interval"
done
wait "$gen" || true
gen=""
grep -E "http_reqs|http_req_failed" "$tmp/out" || tail -5 "$tmp/out"
echo "rss_kib first=$first max=$max last=$last"
