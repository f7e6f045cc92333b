"""The real server: service.conf's start command, run the way the runner runs it (sh -c in this
folder, HOST and PORT in the environment, the variant's env on top), over loopback HTTP."""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import serve

HERE = Path(__file__).resolve().parent.parent
JSON_SHA256 = "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5"


def load_conf() -> tuple[str, dict[str, dict[str, str]]]:
    """(start, {variant: env}) from service.conf; variant "" is the default."""
    start = ""
    envs: dict[str, dict[str, str]] = {"": {}}
    section = ""
    for raw in (HERE / "service.conf").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[variant ") and line.endswith("]"):
            section = line[len("[variant ") : -1].strip()
            envs[section] = dict(envs[""])
            continue
        key, _, value = (p.strip() for p in line.partition("="))
        if key == "start" and section == "":
            start = value
        elif key == "env":
            k, _, v = value.partition("=")
            envs[section][k] = v
    return start, envs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, variant: str) -> None:
        start, envs = load_conf()
        self.port = free_port()
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), **envs[variant])
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.out = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["sh", "-c", start], cwd=HERE, env=env, stdout=self.out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.log = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.read_log().decode()}")
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError("server never became healthy within 30 s")

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        c = self.conn()
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def read_log(self) -> bytes:
        self.out.seek(0)
        return self.out.read()

    def terminate(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        finally:
            self.log = self.read_log()
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(params=["", "fast", "gunicorn2"], ids=["default", "fast", "gunicorn2"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    s = Server(request.param)
    try:
        yield s
    finally:
        s.kill()


def test_contract_over_http_then_sigterm_exits_0(server: Server) -> None:
    status, headers, body = server.get("/health")
    assert (status, body) == (200, b"ok")
    assert headers["content-type"].startswith("text/plain")
    assert "date" in headers and headers["date"].endswith(" GMT")
    assert headers["content-length"] == "2"

    status, headers, body = server.get("/json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert headers["content-length"] == "23930"
    assert hashlib.sha256(body).hexdigest() == JSON_SHA256

    assert server.get("/cpu")[2].endswith(b'bb60"}')
    assert server.get("/io")[2] == b'{"slept_ms":50}'
    assert server.get("/no/such/path")[0] == 404

    status, headers, body = server.get("/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    assert b'http_requests_total{handler="/json",method="GET",status="2xx"} 1.0' in body
    assert b"process_cpu_seconds_total " in body

    assert server.terminate() == 0
    # no access log: nothing in the output names a request path
    assert b"GET /" not in server.log, server.log.decode()


def test_keepalive_many_requests_on_one_connection() -> None:
    s = Server("")
    try:
        c = s.conn()
        sock_ids = set()
        for _ in range(300):
            c.request("GET", "/health")
            r = c.getresponse()
            assert r.read() == b"ok"
            sock_ids.add(id(c.sock))
        assert len(sock_ids) == 1
        c.close()
        assert s.terminate() == 0
    finally:
        s.kill()


def test_sigterm_drains_a_request_in_flight() -> None:
    s = Server("")
    try:
        result: dict[str, object] = {}

        def slow() -> None:
            result["r"] = s.get("/io")

        t = threading.Thread(target=slow)
        t.start()
        # SIGTERM only once the server shows the request in flight (inside its 50 ms sleep)
        in_flight = b'http_requests_inprogress{handler="/io",method="GET"} 1.0'
        while in_flight not in s.get("/metrics")[2] and t.is_alive():
            pass
        assert t.is_alive(), "the /io request finished before it was seen in flight"
        assert s.terminate() == 0
        t.join(5)
        status, _, body = result["r"]  # type: ignore[misc]
        assert (status, body) == (200, b'{"slept_ms":50}')
    finally:
        s.kill()


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PORT": "http"}, "PORT must be"),
        ({"UVICORN_WORKERS": "0"}, "UVICORN_WORKERS must be"),
        ({"UVICORN_LOOP": "trio"}, "UVICORN_LOOP must be"),
        ({"UVICORN_HTTP": "h2"}, "UVICORN_HTTP must be"),
        ({"APP_JSON": "ujson"}, "APP_JSON must be"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(serve.ConfigError, match=message):
        serve.settings(env)
    r = subprocess.run(
        [sys.executable, "serve.py"], cwd=HERE, env=dict(os.environ, **env),
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert r.returncode == 2 and message in r.stderr


def test_versions_lines() -> None:
    r = subprocess.run(
        [sys.executable, "serve.py", "--versions"], cwd=HERE, capture_output=True, text=True,
        timeout=30, env=dict(os.environ, UVICORN_LOOP="uvloop"),
    )  # fmt: skip
    kv = dict(line.split("=", 1) for line in r.stdout.splitlines())
    assert kv["uvicorn.loop"] == "uvloop" and kv["uvicorn.http"] == "h11"
    assert kv["python"] == ".".join(map(str, sys.version_info[:3]))
    assert len(kv["requirements.lock.sha256"]) == 64
