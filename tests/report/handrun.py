#!/usr/bin/env python3
"""Hand-run results tree for the report's tests, made with real processes over loopback.

Until `pocbench run` exists, this produces a small results tree in the format of
docs/results-format.md from a real measurement: two stand-in services (a stdlib asyncio server
and a stdlib threaded server, both honouring the endpoint contract and exposing the contract's
/metrics histogram) are started as processes, driven by a closed-loop VU load (threads with
keep-alive http.client, 100 ms think time, the stages scaled down), scraped every second, and
sampled through /proc for CPU and memory. No cgroup limits, so throttling is absent (null).
Usage: handrun.py OUTDIR [--seconds-per-stage S] [--repeat N]
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

SERVER = r"""
import asyncio, hashlib, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
B = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
lock = threading.Lock()
counts = {}; hist = {}
def cpu():
    buf = bytes(i % 251 for i in range(4096)); d = b""
    for _ in range(100): d = hashlib.sha256(d + buf).digest()
    return json.dumps({"iterations": 100, "sha256": d.hex()}, separators=(",", ":")).encode()
def js():
    return json.dumps({"name": "benchmark", "value": 42, "data": list(range(5000))}, separators=(",", ":")).encode()
def observe(path, status, dt):
    with lock:
        k = (path, status); counts[k] = counts.get(k, 0) + 1
        h = hist.setdefault(path, [[0] * (len(B) + 1), 0.0, 0])
        for i, b in enumerate(B):
            if dt <= b: h[0][i] += 1
        h[0][-1] += 1; h[1] += dt; h[2] += 1
def metrics():
    out = ["# HELP http_requests_total Total requests.", "# TYPE http_requests_total counter"]
    with lock:
        for (p, s), c in sorted(counts.items()):
            out.append('http_requests_total{method="GET",handler="%s",status="%s"} %d' % (p, s, c))
        out += ["# HELP http_request_duration_seconds Request duration.", "# TYPE http_request_duration_seconds histogram"]
        for p, (bk, sm, n) in sorted(hist.items()):
            for i, b in enumerate(B):
                out.append('http_request_duration_seconds_bucket{method="GET",handler="%s",le="%s"} %d' % (p, repr(float(b)), bk[i]))
            out.append('http_request_duration_seconds_bucket{method="GET",handler="%s",le="+Inf"} %d' % (p, bk[-1]))
            out.append('http_request_duration_seconds_sum{method="GET",handler="%s"} %r' % (p, sm))
            out.append('http_request_duration_seconds_count{method="GET",handler="%s"} %d' % (p, n))
    t = [0, 0]
    with open("/proc/self/stat") as f: st = f.read().rsplit(")", 1)[1].split()
    out += ["# TYPE process_cpu_seconds_total counter", "process_cpu_seconds_total %r" % ((int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK"))]
    return ("\n".join(out) + "\n").encode()
ROUTES = {"/health": (b"ok", "text/plain"), "/cpu": None, "/io": None, "/json": None}
async def handle_async(r, w):
    try:
        while True:
            line = await r.readline()
            if not line: break
            while (await r.readline()) not in (b"\r\n", b"\n", b""): pass
            path = line.split()[1].decode(); t0 = time.perf_counter()
            if path == "/metrics": body, ct = metrics(), "text/plain; version=0.0.4"
            elif path == "/health": body, ct = b"ok", "text/plain"
            elif path == "/cpu": body, ct = cpu(), "application/json"
            elif path == "/io": await asyncio.sleep(0.05); body, ct = b'{"slept_ms":50}', "application/json"
            elif path == "/json": body, ct = js(), "application/json"
            else: body, ct = b"not found", "text/plain"
            st = 200 if path in ROUTES or path == "/metrics" else 404
            w.write(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\nDate: x\r\n\r\n" % (st, ct.encode(), len(body)) + body)
            await w.drain()
            if path != "/metrics": observe(path if path in ROUTES else "none", "%dxx" % (st // 100), time.perf_counter() - t0)
    except ConnectionError: pass
    w.close()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        t0 = time.perf_counter(); p = self.path
        if p == "/metrics": body, ct = metrics(), "text/plain; version=0.0.4"
        elif p == "/health": body, ct = b"ok", "text/plain"
        elif p == "/cpu": body, ct = cpu(), "application/json"
        elif p == "/io": time.sleep(0.05); body, ct = b'{"slept_ms":50}', "application/json"
        elif p == "/json": body, ct = js(), "application/json"
        else: body, ct = b"not found", "text/plain"
        st = 200 if p in ROUTES or p == "/metrics" else 404
        self.send_response(st); self.send_header("Content-Type", ct); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        if p != "/metrics": observe(p if p in ROUTES else "none", "%dxx" % (st // 100), time.perf_counter() - t0)
port = int(os.environ["PORT"])
if sys.argv[1] == "async":
    async def main():
        s = await asyncio.start_server(handle_async, "127.0.0.1", port)
        async with s: await s.serve_forever()
    asyncio.run(main())
else:
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(port, path, timeout=5.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    b = r.read()
    c.close()
    return r.status, b


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    cpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return cpu, rss, hwm


def pct(sorted_ms, p):
    """k6's percentile: rank (p/100)*(n-1), linear interpolation."""
    if not sorted_ms:
        return 0.0
    i = p / 100 * (len(sorted_ms) - 1)
    lo = int(i)
    hi = min(lo + 1, len(sorted_ms) - 1)
    return sorted_ms[lo] + (sorted_ms[hi] - sorted_ms[lo]) * (i - lo)


def parse_hist(text, handler):
    les, counts, total, sm = [], [], None, 0.0
    for line in text.splitlines():
        if line.startswith("http_request_duration_seconds_bucket{") and 'handler="%s"' % handler in line:
            le = line.split('le="')[1].split('"')[0]
            les.append(le)
            counts.append(float(line.rsplit(" ", 1)[1]))
        elif line.startswith("http_request_duration_seconds_sum{") and 'handler="%s"' % handler in line:
            sm = float(line.rsplit(" ", 1)[1])
        elif line.startswith("http_request_duration_seconds_count{") and 'handler="%s"' % handler in line:
            total = float(line.rsplit(" ", 1)[1])
    return les, counts, sm, total or 0.0


def req_total(text, handler):
    by = {}
    for line in text.splitlines():
        if line.startswith("http_requests_total{") and 'handler="%s"' % handler in line:
            st = line.split('status="')[1].split('"')[0]
            by[st] = by.get(st, 0) + float(line.rsplit(" ", 1)[1])
    return by


def hquantile(q, les, counts):
    """Prometheus histogram_quantile over cumulative buckets (for the doc's quantiles)."""
    if not counts or counts[-1] == 0:
        return None
    rank = q * counts[-1]
    prev_le, prev_c = 0.0, 0.0
    for le, c in zip(les, counts, strict=False):
        if c >= rank:
            if le == "+Inf":
                return float(les[-2])
            return prev_le + (float(le) - prev_le) * (rank - prev_c) / (c - prev_c) if c > prev_c else prev_le
        prev_le, prev_c = float(le), c
    return float(les[-2])


def vus_at(stages, t):
    t0, v0 = 0.0, 0.0
    for d, target in stages:
        if t < t0 + d:
            return round(v0 + (target - v0) * (t - t0) / d)
        t0, v0 = t0 + d, target
    return 0


def scenario(out, test, service, kind, endpoint, stages, thresholds, rep, nrep):
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1")
    p = subprocess.Popen([sys.executable, "-c", SERVER, kind], env=env)
    for _ in range(100):
        try:
            get(port, "/health")
            break
        except OSError:
            time.sleep(0.05)
    for _ in range(20):
        get(port, endpoint)  # warm-up, not counted
    started = datetime.now(timezone.utc)
    scrapes = [get(port, "/metrics")[1].decode()]
    cpu0 = proc_stat(p.pid)[0]
    total = sum(d for d, _ in stages)
    lat = []
    per_sec = {}
    fails_by = {}
    lock = threading.Lock()
    stop = time.monotonic() + total
    t_start = time.monotonic()
    iters = [0]
    sent = [0]
    recv = [0]

    def vu(idx):
        conn = None
        while True:
            now = time.monotonic() - t_start
            if now >= total:
                break
            if idx >= vus_at(stages, now):
                time.sleep(0.02)
                continue
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t0 = time.perf_counter()
            ok = True
            cause = None
            n = 0
            try:
                conn.request("GET", endpoint)
                r = conn.getresponse()
                b = r.read()
                n = len(b)
                if not 200 <= r.status < 400:
                    ok = False
                    cause = "status_%dxx" % (r.status // 100)
            except socket.timeout:
                ok = False
                cause = "timeout"
                conn.close()
                conn = None
            except ConnectionRefusedError:
                ok = False
                cause = "refused"
                conn = None
            except (ConnectionResetError, http.client.RemoteDisconnected):
                ok = False
                cause = "reset"
                conn.close()
                conn = None
            ms = (time.perf_counter() - t0) * 1000
            sec = int(time.monotonic() - t_start)
            with lock:
                lat.append(ms)
                s = per_sec.setdefault(sec, [0, 0, 0, []])
                s[0] += 1
                s[1] += 0 if ok else 1
                s[2] += 1
                s[3].append(ms)
                iters[0] += 1
                sent[0] += 60
                recv[0] += n + 100
                if cause:
                    fails_by[cause] = fails_by.get(cause, 0) + 1
            time.sleep(0.1)
        if conn:
            conn.close()

    peak = max(t for _, t in stages)
    samples = {}

    def sampler():
        while time.monotonic() < stop:
            sec = int(time.monotonic() - t_start)
            try:
                samples[sec] = proc_stat(p.pid)
            except OSError:
                pass
            time.sleep(1.0)

    def scraper():
        while time.monotonic() < stop - 1.0:
            time.sleep(1.0)
            scrapes.append(get(port, "/metrics")[1].decode())

    ths = [threading.Thread(target=vu, args=(i,)) for i in range(peak)] + [
        threading.Thread(target=sampler),
        threading.Thread(target=scraper),
    ]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    scrapes.append(get(port, "/metrics")[1].decode())
    cpu1, rss1, hwm = proc_stat(p.pid)
    p.terminate()
    p.wait()
    ended = datetime.now(timezone.utc)
    lat.sort()
    n = len(lat)
    nfail = sum(fails_by.values())
    elapsed = total
    d = {k: pct(lat, q) for k, q in (("med", 50), ("p(90)", 90), ("p(95)", 95), ("p(99)", 99))}
    fail_rate = nfail / n if n else 0.0
    th_dur, th_fail = thresholds
    dur_bad = d["p(90)"] >= float(th_dur.split("<")[1])
    fail_bad = fail_rate >= float(th_fail.split("<")[1])
    client = {
        "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}, "checks": {}},
        "metrics": {
            "http_reqs": {"count": n, "rate": n / elapsed},
            "http_req_duration": {
                "avg": sum(lat) / n,
                "min": lat[0],
                "med": d["med"],
                "max": lat[-1],
                "p(90)": d["p(90)"],
                "p(95)": d["p(95)"],
                "p(99)": d["p(99)"],
                "thresholds": {th_dur: dur_bad},
            },
            "http_req_failed": {
                "value": fail_rate,
                "passes": nfail,
                "fails": n - nfail,
                "thresholds": {th_fail: fail_bad},
            },
            "iterations": {"count": iters[0], "rate": iters[0] / elapsed},
            "vus_max": {"value": peak, "min": peak, "max": peak},
            "data_sent": {"count": sent[0], "rate": sent[0] / elapsed},
            "data_received": {"count": recv[0], "rate": recv[0] / elapsed},
        },
        "pocbench": {
            "failures_by_cause": fails_by,
            "in_flight_at_end": 0,
            "generator": "tests/report/handrun.py (stand-in until pocbench load)",
        },
    }
    h = endpoint
    les0, c0, s0, n0 = parse_hist(scrapes[0], h)
    les1, c1, s1, n1 = parse_hist(scrapes[-1], h)
    if not c0:
        c0 = [0.0] * len(c1)
    deltas = [b - a for a, b in zip(c0, c1, strict=False)]
    by0 = req_total(scrapes[0], h)
    by1 = req_total(scrapes[-1], h)
    by = {k: int(v - by0.get(k, 0)) for k, v in by1.items()}
    le_json = [float(x) if x != "+Inf" else "+Inf" for x in les1]
    cpu_s = cpu1 - cpu0
    server = {
        "scrapes": len(scrapes),
        "requests_total_delta": sum(by.values()),
        "requests_by_status": by,
        "duration_histogram": {"le": le_json, "counts": deltas, "sum_seconds": s1 - s0, "count": n1 - n0},
        "quantiles_seconds": {k: hquantile(q, les1, deltas) for k, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))},
    }
    resources = {
        "cpu_seconds": cpu_s,
        "cpu_seconds_per_1k_requests": cpu_s / n * 1000 if n else None,
        "nr_periods": None,
        "nr_throttled": None,
        "throttled_seconds": None,
        "throttled_share": None,
        "memory_peak_bytes": hwm,
        "memory_end_bytes": rss1,
        "oom_kills": 0,
    }
    status = "thresholds_crossed" if (dur_bad or fail_bad) else "ok"
    doc = {
        "schema": 1,
        "scenario": {
            "test": test,
            "service": service,
            "variant": "default",
            "endpoint": endpoint,
            "repeat": rep,
            "url": "http://127.0.0.1:%d%s" % (port, endpoint),
            "status": status,
            "failure": None,
            "started": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "ended": ended.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "load_exit_code": 99 if status != "ok" else 0,
        },
        "client": client,
        "server": server,
        "resources": resources,
        "limits": {"cpu_millicores": None, "memory_bytes": None, "enforced": False},
    }
    base = "%s-%s" % (service, endpoint.strip("/")) + (".r%d" % rep if nrep > 1 else "")
    d_ = os.path.join(out, "test-%s-results" % test)
    os.makedirs(d_, exist_ok=True)
    with open(os.path.join(d_, base + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(d_, base + ".prom"), "w") as f:
        for i, s in enumerate(scrapes):
            f.write("# scrape %d\n%s" % (i, s))
    with open(os.path.join(d_, base + ".csv"), "w") as f:
        f.write(
            "t_s,vus,reqs,failed,iterations,dropped,data_sent,data_received,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,p99_corrected_ms,cpu_cores,throttled_periods,memory_bytes\n"
        )
        prev_cpu = cpu0
        for sec in range(int(total)):
            r, fl, it, ms = per_sec.get(sec, [0, 0, 0, []])
            ms = sorted(ms)
            smp = samples.get(sec)
            cc = ""
            mem = ""
            if smp:
                cc = "%.4f" % max(0.0, smp[0] - prev_cpu)
                prev_cpu = smp[0]
                mem = str(smp[1])
            f.write(
                "%d,%d,%d,%d,%d,0,%d,%d,%s,%s,%s,%s,%s,,%s,,%s\n"
                % (
                    sec,
                    vus_at(stages, sec + 0.5),
                    r,
                    fl,
                    it,
                    r * 60,
                    r * 100,
                    *(("%.3f" % pct(ms, q)) if ms else "" for q in (50, 90, 95, 99)),
                    ("%.3f" % ms[-1]) if ms else "",
                    cc,
                    mem,
                )
            )
    with open(os.path.join(d_, base + ".txt"), "w") as f:
        f.write(
            "stand-in summary (handrun.py)\nhttp_reqs: %d  http_req_duration: med=%.2fms p(90)=%.2fms p(95)=%.2fms  http_req_failed: %.2f%%\n"
            % (n, d["med"], d["p(90)"], d["p(95)"], fail_rate * 100)
        )
    return {"test": test, "service": service, "endpoint": endpoint, "repeat": rep, "status": status, "files": base}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seconds-per-stage", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--endpoints", default="/health,/cpu,/io,/json")
    a = ap.parse_args()
    s = a.seconds_per_stage
    profiles = {
        "load": ([(s, 4), (s * 2, 12), (s, 0)], ("p(90)<2000", "rate<0.01")),
        "stress": ([(s, 2), (s, 4), (s * 2, 6), (s, 0)], ("p(90)<5000", "rate<0.05")),
    }
    services = [("pyasync", "async"), ("pythreaded", "threaded")]
    os.makedirs(a.out, exist_ok=True)
    started = datetime.now(timezone.utc)
    scen = []
    plan = [
        (t, sv, k, e, r)
        for t in profiles
        for e in a.endpoints.split(",")
        for r in range(1, a.repeat + 1)
        for sv, k in services
    ]
    for t, sv, k, e, r in plan:
        print("handrun: %s %s %s r%d" % (t, sv, e, r), file=sys.stderr)
        scen.append(scenario(a.out, t, sv, k, e, profiles[t][0], profiles[t][1], r, a.repeat))
    uname = os.uname()
    cpu_model = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "")
    mem = next((int(ln.split()[1]) * 1024 for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    run = {
        "schema": 1,
        "started": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "ended": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "status": "complete",
        "argv": sys.argv,
        "options": {"scale": None, "warmup": "20 requests", "repeat": a.repeat, "filters": {}},
        "machine": {"hostname": uname.nodename, "cpu_model": cpu_model, "cores": os.cpu_count(), "memory_bytes": mem},
        "kernel": uname.release,
        "cgroup": {"version": None, "paths": {}},
        "limits": {"cpu_millicores": None, "memory_bytes": None, "enforced": False},
        "placement": {"note": "no pinning; stand-in run"},
        "versions": {
            "pyasync": {"python": sys.version.split()[0], "server": "stdlib asyncio stand-in"},
            "pythreaded": {"python": sys.version.split()[0], "server": "stdlib ThreadingHTTPServer stand-in"},
        },
        "git": {
            "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip(),
            "dirty": True,
        },
        "plan": [{"test": t, "service": sv, "endpoint": e, "repeat": r} for t, sv, k, e, r in plan],
        "scenarios": scen,
    }
    with open(os.path.join(a.out, "run.json"), "w") as f:
        json.dump(run, f, indent=1)


if __name__ == "__main__":
    main()
