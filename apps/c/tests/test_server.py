#!/usr/bin/env python3
"""test_server.py: the C contender over real loopback sockets, one line per check.

Usage: test_server.py BINARY  (bin/server or bin/server-asan)

Starts BINARY with HOST=127.0.0.1 and a free PORT, then checks every row of the endpoint
contract (DESIGN.md section 2) with a small HTTP/1.1 client written on raw sockets, so the
exact bytes and framing are what is checked: bodies, Content-Type, Content-Length, Date,
keep-alive over 1,000 requests, 50 concurrent /io, the /metrics families, buckets, counters and
label escaping, and SIGTERM draining an in-flight request and exiting 0. Python stdlib only.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

CPU_BODY = b'{"iterations":100,"sha256":' b'"c2f5b53d4db4231cfb9d6b3eb008c8882c78ebeb200a829bafa415933267bb60"}'
JSON_SHA = "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5"
BUCKETS = [
    "0.005",
    "0.01",
    "0.025",
    "0.05",
    "0.075",
    "0.1",
    "0.25",
    "0.5",
    "0.75",
    "1",
    "2.5",
    "5",
    "7.5",
    "10",
    "+Inf",
]

passed = 0
failed = 0


def check(cond: bool, name: str, detail: object = "") -> bool:
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name} ({detail})")
    return cond


class Conn:
    """One keep-alive HTTP/1.1 connection; responses framed by Content-Length or chunked."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, method: str, path: str, extra: bytes = b"") -> None:
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: t\r\n".encode() + extra + b"\r\n")

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by server")
        self.buf += data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        status = int(self._line().split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers[k.strip().lower()] = v.strip()
        body = b""
        if head:
            pass
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self._line().split(b";")[0], 16)
                chunk = self._take(size)
                self._take(2)
                if size == 0:
                    break
                body += chunk
        return status, headers, body

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        self.send(method, path)
        return self.read(head=(method == "HEAD"))


def unescape(v: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Samples as (name, labels with unescaped values, value); raises on a malformed line."""
    out = []
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"malformed sample line: {line!r}")
        labels = {k: unescape(v) for k, v in LABEL.findall(m.group(3) or "")}
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def metric(samples: list, name: str, **labels: str) -> float:
    return sum(v for n, lb, v in samples if n == name and all(lb.get(k) == x for k, x in labels.items()))


def scrape(port: int) -> tuple[str, list]:
    c = Conn(port)
    status, headers, body = c.get("/metrics")
    c.close()
    text = body.decode()
    return text, parse_metrics(text)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary: str, **extra: str) -> tuple[subprocess.Popen, int, object]:
    log = tempfile.TemporaryFile()
    port = free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), **extra)
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, log
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    log.seek(0)
    sys.exit(f"server did not start on port {port}: {log.read().decode(errors='replace')}")


def read_log(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def test_rows(port: int) -> None:
    c = Conn(port)
    status, h, body = c.get("/health")
    check(status == 200 and body == b"ok", "/health: 200 ok", (status, body))
    check(h.get("content-type", "").split(";")[0] == "text/plain", "/health: text/plain", h)
    check(h.get("content-length") == "2", "/health: Content-Length 2", h)
    date = h.get("date", "")
    parsed = email.utils.parsedate_to_datetime(date) if date else None
    check(parsed is not None and abs(parsed.timestamp() - time.time()) < 5, "/health: Date header is now", date)

    status, h, body = c.get("/cpu")
    check(status == 200 and body == CPU_BODY, "/cpu: exact body", body)
    check(h.get("content-type") == "application/json", "/cpu: application/json", h)

    t0 = time.monotonic()
    status, h, body = c.get("/io")
    took = time.monotonic() - t0
    check(status == 200 and body == b'{"slept_ms":50}', "/io: exact body", body)
    check(took >= 0.050, "/io: waits at least 50 ms", f"{took * 1000:.1f} ms")
    check(h.get("content-type") == "application/json", "/io: application/json", h)

    status, h, body = c.get("/json")
    check(status == 200 and len(body) == 23930, "/json: 23,930 bytes", len(body))
    check(hashlib.sha256(body).hexdigest() == JSON_SHA, "/json: SHA-256 matches", hashlib.sha256(body).hexdigest())
    check(
        h.get("content-type") == "application/json" and h.get("content-length") == "23930",
        "/json: application/json with Content-Length",
        h,
    )

    status, h, body = c.get("/json", "HEAD")
    check(status == 200 and h.get("content-length") == "23930", "HEAD /json: headers only", h)
    status, _, body = c.get("/health?probe=1")
    check(status == 200 and body == b"ok", "/health with a query string still routed", status)

    for method, path in [("GET", "/nope"), ("GET", "/health/"), ("GET", "/"), ("POST", "/health"), ("DELETE", "/json")]:
        status, h, _ = c.get(path, method)
        check(
            status == 404 and "date" in h and "content-length" in h,
            f"{method} {path}: 404 with Date and Content-Length",
            (status, h),
        )

    c.send("POST", "/health", b"Content-Length: 2000000\r\n")
    status, h, _ = c.read()
    check(status == 413, "POST with a 2 MB body refused with 413, not buffered", status)
    c.close()
    c = Conn(port)
    c.send("POST", "/nope", b"Content-Length: 5\r\n")
    c.sock.sendall(b"hello")
    status, _, _ = c.read()
    check(status == 404, "POST with a small body: 404", status)

    status, h, body = c.get("/metrics")
    check(
        status == 200 and h.get("content-type", "").startswith("text/plain; version=0.0.4"),
        "/metrics: text format 0.0.4",
        h,
    )
    c.close()


def test_keepalive(port: int) -> None:
    c = Conn(port)
    ok = 0
    for i in range(1000):
        status, _, body = c.get("/json" if i % 10 == 0 else "/health")
        ok += status == 200 and (len(body) == 23930 if i % 10 == 0 else body == b"ok")
    check(ok == 1000, "1,000 requests on one keep-alive connection", f"{ok} ok")
    c.close()

    # pipelined: ten requests written at once, answers in order
    c = Conn(port)
    c.sock.sendall(b"".join(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" for _ in range(10)))
    bodies = [c.read()[2] for _ in range(10)]
    check(bodies == [b"ok"] * 10, "ten pipelined requests answered in order", bodies)
    c.close()


def test_concurrent_io(port: int) -> None:
    conns = [Conn(port) for _ in range(50)]
    conns[0].get("/health")  # every connection is accepted before the clock starts
    t0 = time.monotonic()
    for c in conns:
        c.send("GET", "/io")
    bodies = [c.read()[2] for c in conns]
    took = time.monotonic() - t0
    for c in conns:
        c.close()
    check(bodies == [b'{"slept_ms":50}'] * 50, "50 concurrent /io: all answered correctly")
    check(took < 0.250, "50 concurrent /io: all within 250 ms (waits overlap)", f"{took * 1000:.0f} ms")


def test_metrics(port: int) -> None:
    text, before = scrape(port)
    for fam, typ in [
        ("http_requests_total", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("http_requests_inprogress", "gauge"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
    ]:
        check(f"# TYPE {fam} {typ}\n" in text, f"/metrics: {fam} is a {typ}")
    les = [
        lb["le"]
        for n, lb, _ in before
        if n == "http_request_duration_seconds_bucket" and lb.get("handler") == "/health" and lb.get("method") == "GET"
    ]
    check(les == BUCKETS, "/metrics: exactly the 14 buckets + +Inf", les)
    check(metric(before, "process_resident_memory_bytes") > 1e6, "/metrics: RSS from /proc/self")
    check(metric(before, "process_cpu_seconds_total") > 0, "/metrics: CPU seconds from /proc/self")
    check(not any(lb.get("handler") == "/metrics" for _, lb, _ in before), "/metrics itself not counted")

    n = 37
    c = Conn(port)
    for _ in range(n):
        c.get("/health")
    c.get("/nope")
    c.close()
    _, after = scrape(port)
    _, after2 = scrape(port)
    d = metric(after, "http_requests_total", method="GET", handler="/health", status="2xx") - metric(
        before, "http_requests_total", method="GET", handler="/health", status="2xx"
    )
    check(d == n, f"counter for /health rises by exactly {n}", d)
    d = metric(after, "http_request_duration_seconds_count", method="GET", handler="/health") - metric(
        before, "http_request_duration_seconds_count", method="GET", handler="/health"
    )
    check(d == n, f"histogram count for /health rises by exactly {n}", d)
    d = metric(after, "http_requests_total", method="GET", handler="none", status="4xx") - metric(
        before, "http_requests_total", method="GET", handler="none", status="4xx"
    )
    check(d == 1, "unmatched path counted as handler=none status=4xx", d)
    check(
        metric(after2, "http_requests_total") == metric(after, "http_requests_total"),
        "scraping twice changes no counter",
    )

    # in-progress gauge while an /io request waits
    c = Conn(port)
    c.send("GET", "/io")
    time.sleep(0.015)
    _, during = scrape(port)
    c.read()
    c.close()
    check(
        metric(during, "http_requests_inprogress", method="GET", handler="/io") == 1,
        "in-progress gauge is 1 while /io waits",
    )
    _, done = scrape(port)
    check(metric(done, "http_requests_inprogress", method="GET", handler="/io") == 0, "in-progress gauge back to 0")

    # timing starts when the request has been read: a slow client does not inflate it
    c = Conn(port)
    base = metric(done, "http_request_duration_seconds_bucket", method="GET", handler="/health", le="0.005")
    c.sock.sendall(b"GET /health HTTP/1.1\r\nHo")
    time.sleep(0.1)
    c.sock.sendall(b"st: t\r\n\r\n")
    c.read()
    c.close()
    _, slow = scrape(port)
    check(
        metric(slow, "http_request_duration_seconds_bucket", method="GET", handler="/health", le="0.005") == base + 1,
        "request sent slowly over 100 ms still timed under 5 ms",
    )

    # a hostile method: escaped in the exposition, read back unchanged
    weird = 'WE"IRD\\'
    c = Conn(port)
    status, _, _ = c.get("/health", weird)
    c.close()
    text, s = scrape(port)
    check(status == 404, "weird method: 404", status)
    check('method="WE\\"IRD\\\\"' in text, "weird method: quote and backslash escaped", text[:0])
    check(
        metric(s, "http_requests_total", method=weird, handler="none", status="4xx") == 1,
        "weird method: label value reads back unchanged",
    )

    # distinct method series are bounded
    c = Conn(port)
    for i in range(40):
        c.get("/x", f"M{i:02d}")
    c.close()
    _, s = scrape(port)
    methods = {lb["method"] for n, lb, _ in s if n == "http_requests_total"}
    check(
        len(methods) <= 18 and "other" in methods, "40 invented methods: bounded series, rest in other", sorted(methods)
    )


def test_sigterm(proc: subprocess.Popen, port: int, log) -> None:
    idle = Conn(port)
    idle.get("/health")  # an idle keep-alive connection must not hold up the exit
    busy = Conn(port)
    busy.send("GET", "/io")
    time.sleep(0.01)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        status, _, body = busy.read()
    except (EOFError, OSError) as e:
        status, body = 0, repr(e).encode()
    check(status == 200 and body == b'{"slept_ms":50}', "SIGTERM: in-flight /io still answered", body)
    try:
        rc = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "still running after 5 s"
    took = time.monotonic() - t0
    check(rc == 0, "SIGTERM: exit status 0", rc)
    check(took < 2, "SIGTERM: exits promptly with an idle keep-alive connection open", f"{took:.2f} s")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        refused = True
    check(refused, "SIGTERM: no longer listening")
    idle.close()
    busy.close()
    text = read_log(log)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    check(
        len(lines) == 1 and "listening on 127.0.0.1" in lines[0],
        "stderr: one startup line, no access log, no sanitizer report",
        text[-2000:],
    )


def test_variant_and_config(binary: str) -> None:
    proc, port, log = start(binary, CAPP_JSON="yajl-integer")
    try:
        c = Conn(port)
        status, _, body = c.get("/json")
        c.close()
        check(
            status == 200 and hashlib.sha256(body).hexdigest() == JSON_SHA,
            "CAPP_JSON=yajl-integer: same /json bytes",
            len(body),
        )
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=5) == 0, "CAPP_JSON=yajl-integer: SIGTERM exits 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def run(**env: str) -> tuple[int, str]:
        r = subprocess.run(
            [binary], env=dict(os.environ, HOST="127.0.0.1", **env), capture_output=True, text=True, timeout=10
        )
        return r.returncode, r.stderr

    rc, err = run(PORT="80x")
    check(rc == 2 and "PORT=80x" in err, "PORT=80x: exit 2 naming PORT", (rc, err))
    rc, err = run(PORT="0", CAPP_JSON="fast")
    check(rc == 2 and "CAPP_JSON=fast" in err, "CAPP_JSON=fast: exit 2 naming CAPP_JSON", (rc, err))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    rc, err = run(PORT=str(busy.getsockname()[1]))
    busy.close()
    check(rc == 1 and "listen on 127.0.0.1" in err, "port in use: exit 1 naming the address", (rc, err))


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit("usage: test_server.py BINARY")
    binary = sys.argv[1]
    proc, port, log = start(binary)
    try:
        test_rows(port)
        test_keepalive(port)
        test_concurrent_io(port)
        test_metrics(port)
        test_sigterm(proc, port, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    test_variant_and_config(binary)
    print(f"test_server ({os.path.basename(binary)}): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
