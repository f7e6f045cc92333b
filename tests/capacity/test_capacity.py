#!/usr/bin/env python3
"""End-to-end tests of `pocbench capacity` against real servers over loopback.

1. known capacity: tests/capacity/queue_server.py serves at most N req/s by construction (one
   request at a time, 1/N s each); the search must find N within 10 %.
2. generator saturation: a server with no limit of its own, and the load generator confined to a
   tiny CPU quota (--generator-cpu): the document must say limited_by "generator" instead of
   reporting the generator's ceiling as a capacity.
3. sweep: the same known server, closed model at 1 and 8 connections: throughput near N at 8.
4. bad input: a clear error and exit 104.
Standard library only; prints "ok - name" / "not ok - name" lines, exits 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POCBENCH = os.environ.get("POCBENCH", os.path.join(ROOT, "build", "pocbench"))
SERVER = os.path.join(ROOT, "tests", "capacity", "queue_server.py")
failures = 0


def check(cond: bool, name: str, detail: str = "") -> None:
    global failures
    if cond:
        print(f"ok - {name}")
    else:
        failures += 1
        print(f"not ok - {name}" + (f" ({detail})" if detail else ""))


class Server:
    def __init__(self, rate: float) -> None:
        self.p = subprocess.Popen([sys.executable, SERVER, "--rate", str(rate)], stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline() if self.p.stdout else ""
        if not line.startswith("PORT "):
            self.p.kill()
            raise RuntimeError(f"queue_server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        self.p.kill()
        self.p.wait()


def run(args: list, timeout: float) -> subprocess.CompletedProcess:
    t = time.monotonic()
    r = subprocess.run([POCBENCH, "capacity", *args], capture_output=True, text=True, timeout=timeout)
    print(f"# pocbench capacity {' '.join(args)}: exit {r.returncode} in {time.monotonic() - t:.0f}s")
    if r.returncode not in (0, 104):
        print("# " + (r.stdout + r.stderr).replace("\n", "\n# "))
    return r


def known_capacity(out: str) -> None:
    n = 200
    srv = Server(n)
    try:
        r = run(["--url", f"http://127.0.0.1:{srv.port}/q", "--name", "known", "--step", "3s", "--warmup", "1s",
                 "--start-rate", "60", "--slo", "100ms", "--out", out], 240)
    finally:
        srv.stop()
    check(r.returncode == 0, "known capacity: exit 0", r.stderr[-300:])
    path = os.path.join(out, "capacity", "known-q.json")
    check(os.path.exists(path), "known capacity: capacity/known-q.json written")
    if not os.path.exists(path):
        return
    d = json.load(open(path))
    cap = d.get("capacity_rps") or 0
    print(f"# known N={n}: capacity_rps={cap} limited_by={d.get('limited_by')} knee={d.get('knee_rps')} "
          f"steps={[(s['offered_rps'], s['pass']) for s in d['steps']]} elapsed={d.get('elapsed_seconds'):.0f}s")
    check(abs(cap - n) <= 0.1 * n, f"known capacity: found {cap} req/s for N = {n} (within 10%)")
    check(d.get("limited_by") == "slo" and d.get("capacity_is_lower_bound") is False,
          "known capacity: limited by the SLO, not a lower bound")
    steps = d.get("steps", [])
    check(any(s["capacity"] for s in steps) and any(not s["pass"] for s in steps),
          "known capacity: the curve has the capacity step and a failing step")
    check(all(s.get("corrected") for s in steps), "known capacity: every step has the corrected p99")
    check(all(not s["generator_limited"] for s in steps), "known capacity: no step blamed on the generator")
    check(d.get("knee_rps") is not None and d["knee_rps"] <= cap, "known capacity: knee marked at or below capacity")
    keys = {"offered_rps", "achieved_rps", "p50_ms", "p99_ms", "p50_uncorrected_ms", "p99_uncorrected_ms",
            "failure_rate", "throttled_share", "generator", "pass", "knee"}
    check(all(keys <= set(s) for s in steps), "known capacity: every step has the documented keys")


def generator_limited(out: str) -> None:
    srv = Server(0)
    try:
        r = run(["--url", f"http://127.0.0.1:{srv.port}/q", "--name", "fast", "--step", "2s", "--warmup", "0",
                 "--start-rate", "100", "--threads", "1", "--generator-cpu", "10m", "--out", out], 120)
    finally:
        srv.stop()
    check(r.returncode == 0, "generator limit: exit 0", r.stderr[-300:])
    path = os.path.join(out, "capacity", "fast-q.json")
    if not os.path.exists(path):
        check(False, "generator limit: capacity/fast-q.json written")
        return
    d = json.load(open(path))
    print(f"# generator-limited: capacity_rps={d.get('capacity_rps')} limited_by={d.get('limited_by')} "
          f"verdict={d.get('verdict')!r}")
    check(d.get("limited_by") == "generator", "generator limit: limited_by is generator",
          f"got {d.get('limited_by')}: {d.get('verdict')}")
    check(d.get("capacity_is_lower_bound") is True, "generator limit: capacity is only a lower bound")
    check("generator" in (d.get("verdict") or ""), "generator limit: the verdict says so")
    last = d["steps"][-1] if d.get("steps") else {}
    check(last.get("generator_limited") is True and "generator" in last.get("reason", ""),
          "generator limit: the last step is marked generator-limited with its reason")
    check(last.get("generator", {}).get("own_quota_throttled_share") is not None,
          "generator limit: the generator's own throttling is recorded")


def sweep(out: str) -> None:
    n = 200
    srv = Server(n)
    try:
        r = run(["--sweep", "--url", f"http://127.0.0.1:{srv.port}/q", "--name", "known", "--step", "2s",
                 "--warmup", "0", "--sweep-vus", "1,8", "--out", out], 120)
    finally:
        srv.stop()
    check(r.returncode == 0, "sweep: exit 0", r.stderr[-300:])
    path = os.path.join(out, "sweep", "known-q.json")
    if not os.path.exists(path):
        check(False, "sweep: sweep/known-q.json written")
        return
    d = json.load(open(path))
    pts = d.get("points", [])
    print(f"# sweep: {[(p['connections'], round(p['rps'] or 0), round(p['p99_ms'] or 0, 1)) for p in pts]}")
    check([p["connections"] for p in pts] == [1, 8], "sweep: one point per connection count")
    if len(pts) == 2:
        check(0.8 * n <= (pts[1]["rps"] or 0) <= 1.1 * n, f"sweep: 8 connections saturate N = {n} (got {pts[1]['rps']:.0f})")
        check((pts[1]["p50_ms"] or 0) > (pts[0]["p50_ms"] or 0), "sweep: latency grows with queued connections")
    check(d.get("peak", {}).get("connections") in (1, 8), "sweep: peak recorded")


def bad_input(out: str) -> None:
    r = run(["--slo", "fast", "--out", out], 10)
    check(r.returncode == 104 and "--slo" in r.stderr, "bad --slo: exit 104 naming the flag", r.stderr)
    r = run(["--url", "ftp://x", "--out", out], 10)
    check(r.returncode == 104 and "--url" in r.stderr, "bad --url: exit 104 naming the flag", r.stderr)
    r = run(["--start-rate", "100", "--max-rate", "10", "--out", out], 10)
    check(r.returncode == 104, "max-rate below start-rate: exit 104", r.stderr)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="capacity-test-") as out:
        bad_input(out)
        known_capacity(out)
        generator_limited(out)
        sweep(out)
    print(f"test_capacity.py: {'all passed' if not failures else f'{failures} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
