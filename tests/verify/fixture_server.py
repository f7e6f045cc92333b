"""A small contract-conforming HTTP/1.1 service (Python stdlib asyncio) for testing
`pocbench verify`, with switches that break one contract row each.

Listens on $HOST:$PORT. FAULT (environment, comma-separated) selects the breakages:
  json-space      one extra space in /json
  missing-bucket  the 7.5 bucket is absent from the duration histogram
  blocking-io     /io sleeps with time.sleep (serializes the event loop)
  wrong-ctype     /cpu answers Content-Type text/html
  overcount       http_requests_total counts each /health request twice
  no-date         no Date header
  close           every response says Connection: close
  count-metrics   /metrics counts itself
  sigterm-exit1   exits 1 on SIGTERM
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sys
import time
from email.utils import formatdate

FAULTS = {f for f in os.environ.get("FAULT", "").split(",") if f}
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
if "missing-bucket" in FAULTS:
    BUCKETS.remove(7.5)
ROUTES = {"/health", "/cpu", "/io", "/json", "/metrics"}

requests_total: dict[tuple[str, str, str], int] = {}
durations: dict[tuple[str, str], list[float]] = {}  # per series: bucket counts..., sum, count
inprogress: dict[tuple[str, str], int] = {}


def cpu_body() -> bytes:
    buf = bytes(i % 251 for i in range(4096))
    d = b""
    for _ in range(100):
        d = hashlib.sha256(d + buf).digest()
    return b'{"iterations":100,"sha256":"' + d.hex().encode() + b'"}'


def json_body() -> bytes:
    sep = ", " if "json-space" in FAULTS else ","
    data = ",".join(str(i) for i in range(5000))
    return ('{"name":"benchmark","value":42' + sep + '"data":[' + data + "]}").encode()


def esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics_body() -> bytes:
    out = [
        "# HELP http_requests_total Requests by method, handler and status class.",
        "# TYPE http_requests_total counter",
    ]
    for (m, h, s), n in sorted(requests_total.items()):
        out.append(f'http_requests_total{{method="{esc(m)}",handler="{esc(h)}",status="{s}"}} {n}')
    out += ["# HELP http_request_duration_seconds Request latency.", "# TYPE http_request_duration_seconds histogram"]
    for (m, h), v in sorted(durations.items()):
        lab = f'method="{esc(m)}",handler="{esc(h)}"'
        for i, le in enumerate(BUCKETS):
            out.append(f'http_request_duration_seconds_bucket{{{lab},le="{le}"}} {int(v[i])}')
        out.append(f'http_request_duration_seconds_bucket{{{lab},le="+Inf"}} {int(v[-1])}')
        out.append(f"http_request_duration_seconds_sum{{{lab}}} {v[-2]}")
        out.append(f"http_request_duration_seconds_count{{{lab}}} {int(v[-1])}")
    out += ["# HELP http_requests_inprogress Requests being served.", "# TYPE http_requests_inprogress gauge"]
    for (m, h), n in sorted(inprogress.items()):
        out.append(f'http_requests_inprogress{{method="{esc(m)}",handler="{esc(h)}"}} {n}')
    t = os.times()
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    out += [
        "# TYPE process_cpu_seconds_total counter",
        f"process_cpu_seconds_total {t.user + t.system}",
        "# TYPE process_resident_memory_bytes gauge",
        f"process_resident_memory_bytes {rss}",
    ]
    return ("\n".join(out) + "\n").encode()


def observe(method: str, handler: str, status: int, seconds: float) -> None:
    key = (method, handler, f"{status // 100}xx")
    times = 2 if "overcount" in FAULTS and handler == "/health" else 1
    requests_total[key] = requests_total.get(key, 0) + times
    v = durations.setdefault((method, handler), [0.0] * (len(BUCKETS) + 2))
    for i, le in enumerate(BUCKETS):
        if seconds <= le:
            v[i] += 1
    v[-2] += seconds
    v[-1] += 1


async def respond(method: str, path: str) -> tuple[int, str, bytes]:
    if method != "GET" or path not in ROUTES:
        return 404, "text/plain", b"not found"
    if path == "/health":
        return 200, "text/plain; charset=utf-8", b"ok"
    if path == "/cpu":
        ctype = "text/html" if "wrong-ctype" in FAULTS else "application/json"
        return 200, ctype, cpu_body()
    if path == "/io":
        if "blocking-io" in FAULTS:
            time.sleep(0.05)
        else:
            await asyncio.sleep(0.05)
        return 200, "application/json", b'{"slept_ms":50}'
    if path == "/json":
        return 200, "application/json", json_body()
    return 200, "text/plain; version=0.0.4; charset=utf-8", metrics_body()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                break
            method, path = parts[0], parts[1].split("?")[0]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            start = time.perf_counter()
            handler = path if path in ROUTES else "none"
            counted = handler != "/metrics" or "count-metrics" in FAULTS
            if counted:
                inprogress[(method, handler)] = inprogress.get((method, handler), 0) + 1
            if counted and handler == "/metrics":  # the scrape sees itself
                observe(method, handler, 200, 0.0)
            status, ctype, body = await respond(method, path)
            if counted:
                inprogress[(method, handler)] -= 1
                if handler != "/metrics":
                    observe(method, handler, status, time.perf_counter() - start)
            hdrs = [
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}",
                f"Content-Type: {ctype}",
                f"Content-Length: {len(body)}",
            ]
            if "no-date" not in FAULTS:
                hdrs.append("Date: " + formatdate(usegmt=True))
            if "close" in FAULTS:
                hdrs.append("Connection: close")
            writer.write(("\r\n".join(hdrs) + "\r\n\r\n").encode() + body)
            await writer.drain()
            if "close" in FAULTS:
                break
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(
        handle, os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"]), backlog=256
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()
    sys.exit(1 if "sigterm-exit1" in FAULTS else 0)


if __name__ == "__main__":
    asyncio.run(main())
