"""End-to-end tests of `pocbench verify` against fixture_server.py: the conforming server
passes every check, and each fault switch fails exactly the checks it breaks, with a message
naming the check and the observed value. Also the --service lifecycle (start, health, stop,
SIGTERM exit status, Ctrl-C) with no process left behind, and usage errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
POCBENCH = str((ROOT / os.environ.get("POCBENCH", "build/pocbench")).resolve())
SERVER = HERE / "fixture_server.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fixture(fault: str = "") -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), FAULT=fault)
    proc = subprocess.Popen([sys.executable, str(SERVER)], env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fixture server did not start (fault={fault!r})") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def verify(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [POCBENCH, "verify", *args], capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )


def test_conforming_server_passes_every_check() -> None:
    with fixture() as url:
        r = verify(url)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert all(line.startswith("PASS ") for line in lines[:-1]), r.stdout
    assert len(lines) >= 45
    assert lines[-1].endswith(": 48 passed, 0 failed"), lines[-1]
    for check in (
        "GET /json: body is exactly the contract's 23930 bytes",
        "keep-alive: 1000 sequential GET /health on one connection",
        "GET /io: 50 concurrent requests all answered within 250 ms",
        "metrics: http_request_duration_seconds buckets are exactly 0.005 ... 10, +Inf (15)",
        "metrics: /metrics itself is not counted",
    ):
        assert any(line.startswith("PASS " + check) for line in lines), check


# fault -> (the FAIL lines it must produce, each as "<check>: <observed substring>")
FAULTS = {
    "json-space": [
        "GET /json: body is exactly the contract's 23930 bytes: 23931 bytes",
        'first difference at byte 31: \'...nchmark","value":42, "data"',
    ],
    "missing-bucket": [
        "metrics: http_request_duration_seconds buckets are exactly 0.005 ... 10, +Inf (15): ",
        "missing 7.5",
    ],
    "blocking-io": ["GET /io: 50 concurrent requests all answered within 250 ms: slowest answered after"],
    "wrong-ctype": ['GET /cpu: Content-Type application/json: Content-Type "text/html"'],
    "overcount": [
        'metrics: http_requests_total{handler="/health",status="2xx"} rises by exactly 7 after 7 '
        "requests: rose by 14",
        "metrics: http_requests_total (all series) rises by exactly 10 after 10 requests: rose by 17",
    ],
    "no-date": ["GET /health: Date header: no Date header", "GET /json: Date header: no Date header"],
    "close": ["keep-alive: 1000 sequential GET /health on one connection: response 1 announced the end"],
    "count-metrics": [
        'metrics: /metrics itself is not counted: samples with handler="/metrics"',
        "metrics: http_requests_inprogress is 0 at rest: sum 1",
    ],
}
# how many checks each fault fails (no collateral failures)
FAULT_FAILS = {
    "json-space": 1,
    "missing-bucket": 1,
    "blocking-io": 1,
    "wrong-ctype": 1,
    "overcount": 2,
    "no-date": 5,
    "close": 1,
    "count-metrics": 3,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_the_check_it_breaks(fault: str) -> None:
    with fixture(fault) as url:
        r = verify(url)
    assert r.returncode == 1, r.stdout + r.stderr
    fails = [line for line in r.stdout.splitlines() if line.startswith("FAIL ")]
    for want in FAULTS[fault]:
        assert any(want in line for line in fails), f"{want!r} not in:\n" + "\n".join(fails)
    assert len(fails) == FAULT_FAILS[fault], "\n".join(fails)
    assert r.stdout.splitlines()[-1].endswith("failed"), r.stdout


def test_nothing_listening_fails_every_row_with_the_reason() -> None:
    r = verify(f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 1
    assert "FAIL GET /health: connect: Connection refused" in r.stdout
    assert "FAIL GET /metrics: connect: Connection refused" in r.stdout


# ---- --service: a temporary repository root with apps/fixture/service.conf ----


def make_root(tmp_path: Path, tag: str) -> dict[str, str]:
    app = tmp_path / "apps" / "fixture"
    app.mkdir(parents=True)
    (app / "service.conf").write_text(
        "name = fixture\n"
        "language = python\n"
        f"start = exec {sys.executable} {SERVER}\n"
        f"env = POCBENCH_TEST_TAG={tag}\n"
        "health = /health\n"
        "[variant blocking-io]\n"
        "env = FAULT=blocking-io\n"
        "[variant sigterm-exit1]\n"
        "env = FAULT=sigterm-exit1\n"
        "[variant crash]\n"
        "start = echo boom >&2; exit 3\n"
    )
    # TMPDIR: the service log that verify keeps after a failure stays in the test's own folder
    return dict(os.environ, POCBENCH_ROOT=str(tmp_path), TMPDIR=str(tmp_path))


def tagged_processes(tag: str) -> list[int]:
    """pids whose environment carries POCBENCH_TEST_TAG=tag (the service and its children)."""
    found = []
    needle = f"POCBENCH_TEST_TAG={tag}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle in (d / "environ").read_bytes().split(b"\0"):
                found.append(int(d.name))
        except OSError:
            pass
    return found


def test_service_mode_starts_checks_and_stops(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    r = verify("--service", "fixture", env=make_root(tmp_path, tag))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == "PASS start fixture: GET /health answered 200"
    assert "PASS SIGTERM: fixture exits 0" in r.stdout
    assert r.stdout.splitlines()[-1] == "verify fixture: 50 passed, 0 failed"
    assert tagged_processes(tag) == []


def test_service_variant_fault_is_reported(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    r = verify("--service", "fixture", "--variant", "sigterm-exit1", env=make_root(tmp_path, tag))
    assert r.returncode == 1
    assert "FAIL SIGTERM: fixture/sigterm-exit1 exits 0: exited with status 1" in r.stdout
    assert "log kept at" in r.stderr
    assert tagged_processes(tag) == []


def test_service_that_exits_at_start(tmp_path: Path) -> None:
    r = verify("--service", "fixture", "--variant", "crash", env=make_root(tmp_path, "x"))
    assert r.returncode == 1
    first = r.stdout.splitlines()[0]
    assert first.startswith("FAIL start fixture/crash: the service exited with status 3"), first
    assert "boom" in r.stdout


def test_ctrl_c_stops_the_service(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    proc = subprocess.Popen(
        [POCBENCH, "verify", "--service", "fixture", "--variant", "blocking-io"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=make_root(tmp_path, tag),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("PASS start"), first
    assert tagged_processes(tag), "the service should be running now"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 105, out
    assert "(interrupted)" in out
    assert tagged_processes(tag) == []


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "give either a URL or --service NAME"),
        (["http://127.0.0.1:1", "--service", "x"], "give either a URL or --service NAME"),
        (["ftp://127.0.0.1/"], "only http:// URLs"),
        (["http://127.0.0.1:99999"], "port must be 1-65535"),
        (["--variant", "v", "http://127.0.0.1:1"], "--variant needs --service"),
        (["--bogus"], "unknown option"),
        (["--service", "nope"], "no contender 'nope'"),
        (["--service", "fixture", "--variant", "nope"], "has no variant 'nope'"),
        (["--service", "fixture", "--start-timeout", "soon"], "--start-timeout 'soon'"),
    ],
)
def test_bad_usage_exits_104(tmp_path: Path, args: list[str], message: str) -> None:
    r = verify(*args, env=make_root(tmp_path, "x"))
    assert r.returncode == 104, r.stdout + r.stderr
    assert message in r.stderr


def test_unknown_service_lists_the_known_ones(tmp_path: Path) -> None:
    r = verify("--service", "nope", env=make_root(tmp_path, "x"))
    assert "known: fixture" in r.stderr


def test_help() -> None:
    r = verify("--help")
    assert r.returncode == 0
    assert r.stdout.startswith("usage: pocbench verify")
