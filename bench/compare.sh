#!/usr/bin/env bash
# compare.sh: pocbench load against wrk, ab, h2load (HTTP/1.1 mode) and hey on the same loopback
# server, the same connection count and the same CPU pinning (server on one CPU, every generator
# on another, one thread each: GOMAXPROCS=1 for hey). Prints requests/s and requests per
# CPU-second (user+sys of the generator process, from /usr/bin/time) of each, and both as a
# ratio to wrk: the median over --runs rounds (each round runs every generator once, in turn,
# so drift on a shared machine hits all of them alike).
#   bench/compare.sh [--connections N] [--seconds S] [--runs R] [--server-cpu C] [--client-cpu C] [--url URL]
# Without --url it starts the C contender's server (apps/c/bin/server, h2o, GET /health; built
# if missing), which answers far faster than any one generator asks, so the generators are
# measured, not the server; if it cannot be built, the test server (build/bench/testserver,
# single-threaded epoll, ~10-20k req/s here) instead. Installs missing generators from
# deps/bench.apt (apt-get).
set -eu
cd "$(dirname "$0")/.."
conns=50 secs=10 runs=3 scpu=0 ccpu=1 url=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
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
  [ -x apps/c/bin/server ] || make -s -C apps/c bin/server >/dev/null 2>&1 || true
  if [ -x apps/c/bin/server ]; then
    HOST=127.0.0.1 PORT=0 taskset -c "$scpu" apps/c/bin/server 2>"$tmp/srv" &
    srv=$!
    for _ in $(seq 50); do grep -q 'listening on' "$tmp/srv" 2>/dev/null && break; sleep 0.1; done
    url="http://$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$tmp/srv")/health"
  else
    taskset -c "$scpu" build/bench/testserver 0 >"$tmp/port" &
    srv=$!
    for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    url="http://127.0.0.1:$(cat "$tmp/port")/"
  fi
fi
echo "server: $url (cpu $scpu)   generators: cpu $ccpu, $conns connections, ${secs}s each, $runs rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: runs CMD pinned, keeps its output and its CPU seconds
run() {
  local name=$1; shift
  taskset -c "$ccpu" /usr/bin/time -f '%U %S' -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>&1 || true
  sleep 1
}
for r in $(seq "$runs"); do
  mkdir -p "$tmp/$r"
  run "$r/pocbench" build/pocbench load --quiet --threads 1 --vus "$conns" --duration "${secs}s" \
    --summary-export "$tmp/$r/pocbench.json" "$url"
  run "$r/wrk" wrk -t1 -c "$conns" -d "${secs}s" "$url"
  run "$r/ab" ab -q -k -c "$conns" -t "$secs" -n 100000000 "$url"
  run "$r/h2load" h2load --h1 -t1 -c "$conns" -D "$secs" "$url"
  run "$r/hey" env GOMAXPROCS=1 hey -z "${secs}s" -c "$conns" "$url"
done

python3 - "$tmp" "$runs" <<'PY'
import json, re, statistics, sys
top, runs = sys.argv[1], int(sys.argv[2])
def parse(d):
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
  return rows
per_run = [parse(f"{top}/{r}") for r in range(1, runs + 1)]
names = [n for n in ("pocbench load", "wrk", "ab", "h2load", "hey") if any(n in p for p in per_run)]
print(f"{'generator':<14} {'req/s':>10} {'cpu s':>7} {'req/cpu-s':>10} {'req/s vs wrk':>13} {'req/cpu-s vs wrk':>17}   per round (req/cpu-s vs wrk)")
for k in names:
  rs, cs, pers, rr, pr = [], [], [], [], []
  for p in per_run:
    if k not in p: continue
    n, r, c = p[k]
    per = n / c if c > 0 else float("inf")
    rs.append(r); cs.append(c); pers.append(per)
    b = p.get("wrk")
    if b and b[2] > 0 and b[1] > 0:
      rr.append(r / b[1]); pr.append(per / (b[0] / b[2]))
  med = statistics.median
  rrs = f"{med(rr):.2f}x" if rr else "-"
  prs = f"{med(pr):.2f}x" if pr else "-"
  rounds = " ".join(f"{x:.2f}" for x in pr)
  print(f"{k:<14} {med(rs):>10.0f} {med(cs):>7.2f} {med(pers):>10.0f} {rrs:>13} {prs:>17}   {rounds}")
print(f"medians over {runs} rounds; ratios are the median of each round's ratio")
PY
