#!/usr/bin/env bash
# compare.sh: pocbench load against wrk, ab, h2load (HTTP/1.1 mode) and hey on the same loopback
# server, the same connection count and the same CPU pinning (server on one CPU, generator on
# another). Prints requests/s and requests per CPU-second (user+sys of the generator process,
# from /usr/bin/time) of each, and both as a ratio to wrk.
#   bench/compare.sh [--connections N] [--seconds S] [--server-cpu C] [--client-cpu C] [--url URL]
# Without --url it starts the test server (build/bench/testserver, single-threaded epoll).
# Installs missing generators from deps/bench.apt (apt-get). Short runs on a shared machine are
# noisy: repeat, and read the ratios rather than the absolute numbers.
set -eu
cd "$(dirname "$0")/.."
conns=50 secs=10 scpu=0 ccpu=1 url=""
while [ $# -gt 0 ]; do
  case $1 in
    --connections) conns=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --server-cpu) scpu=$2; shift 2 ;;
    --client-cpu) ccpu=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

missing=()
for p in $(grep -v '^#' deps/bench.apt); do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare.sh: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
fi
[ -x build/pocbench ] && [ -x build/bench/testserver ] || make -s build/pocbench build/bench/testserver

tmp=$(mktemp -d)
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
if [ -z "$url" ]; then
  taskset -c "$scpu" build/bench/testserver 0 >"$tmp/port" &
  srv=$!
  for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  url="http://127.0.0.1:$(cat "$tmp/port")/"
fi
echo "server: $url (cpu $scpu)   generators: cpu $ccpu, $conns connections, ${secs}s each"

# run NAME CMD...: runs CMD pinned, keeps its output and its CPU seconds
run() {
  local name=$1; shift
  taskset -c "$ccpu" /usr/bin/time -f '%U %S' -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>&1 || true
  sleep 1
}
run pocbench build/pocbench load --quiet --threads 1 --vus "$conns" --duration "${secs}s" \
  --summary-export "$tmp/pocbench.json" "$url"
run wrk wrk -t1 -c "$conns" -d "${secs}s" "$url"
run ab ab -q -k -c "$conns" -t "$secs" -n 100000000 "$url"
run h2load h2load --h1 -t1 -c "$conns" -D "$secs" "$url"
run hey env GOMAXPROCS=1 hey -z "${secs}s" -c "$conns" "$url"

python3 - "$tmp" <<'PY'
import json, re, sys
d = sys.argv[1]
def out(n): return open(f"{d}/{n}.out", errors="replace").read()
def cpu(n):
    u, s = open(f"{d}/{n}.time").read().split()[-2:]
    return float(u) + float(s)
rows = {}
def num(pat, text, name):
    m = re.search(pat, text)
    if not m: print(f"{name}: could not parse its output:\n{text[-800:]}"); return None
    return float(m.group(1))
try:
    m = json.load(open(f"{d}/pocbench.json"))["metrics"]["http_reqs"]
    rows["pocbench load"] = (m["count"], m["rate"], cpu("pocbench"))
except Exception as e:
    print("pocbench: no export:", e, out("pocbench")[-800:])
t = out("wrk"); n = num(r"(\d+) requests in", t, "wrk"); r = num(r"Requests/sec:\s+([\d.]+)", t, "wrk")
if n: rows["wrk"] = (n, r, cpu("wrk"))
t = out("ab"); n = num(r"Complete requests:\s+(\d+)", t, "ab"); r = num(r"Requests per second:\s+([\d.]+)", t, "ab")
if n: rows["ab"] = (n, r, cpu("ab"))
t = out("h2load"); n = num(r"requests: \d+ total, \d+ started, (\d+) done", t, "h2load"); r = num(r"finished in [\d.]+\w+, ([\d.]+) req/s", t, "h2load")
if n: rows["h2load"] = (n, r, cpu("h2load"))
t = out("hey"); n = sum(int(x) for x in re.findall(r"\[\d+\]\s+(\d+) responses", t)) or None; r = num(r"Requests/sec:\s+([\d.]+)", t, "hey")
if n: rows["hey"] = (n, r, cpu("hey"))
base = rows.get("wrk")
print(f"{'generator':<14} {'requests':>10} {'req/s':>10} {'cpu s':>7} {'req/cpu-s':>10} {'req/s vs wrk':>13} {'req/cpu-s vs wrk':>17}")
for k, (n, r, c) in rows.items():
    per = n / c if c > 0 else float("inf")
    if base:
        bper = base[0] / base[2] if base[2] > 0 else float("inf")
        rr, pr = f"{r / base[1]:.2f}x", f"{per / bper:.2f}x"
    else:
        rr = pr = "-"
    print(f"{k:<14} {int(n):>10} {r:>10.0f} {c:>7.2f} {per:>10.0f} {rr:>13} {pr:>17}")
PY
