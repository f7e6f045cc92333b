"""`pocbench run --prometheus` end to end: Debian's real Prometheus, started by the run, scrapes
the C contender through the generated config (the series is queried over its HTTP API while the
run goes on), and nothing of it is left running after a normal end or a SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import POCBENCH, ROOT, cgroup_dirs, load_json, procs_with_cwd, run_pocbench

# one contender, one endpoint: the service lives about 13 s, so two or more 5 s scrapes land in it
SMALL = [
    "run",
    "--prometheus",
    "--services",
    "c",
    "--tests",
    "load",
    "--endpoints",
    "/health",
    "--scale",
    "0.1",
    "--warmup",
    "1s",
    "--no-capacity",
    "--no-report",
    "--no-verify",
]


def procs_naming(path: Path) -> list[str]:
    """Command lines of the processes whose arguments mention path (the run's Prometheus does)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmd and "prometheus" in cmd:
            found.append(cmd)
    return found


def prometheus_url(out: Path, proc: subprocess.Popen[str], deadline: float) -> str:
    """The URL the run records in run.json once its Prometheus is ready."""
    while time.monotonic() < deadline:
        try:
            url = load_json(out / "run.json").get("prometheus", {}).get("url")
            if url:
                return url
        except (OSError, ValueError):
            pass
        assert proc.poll() is None, f"the run ended (exit {proc.returncode}) before recording its Prometheus"
        time.sleep(0.2)
    pytest.fail("run.json did not name a Prometheus URL in time")


def query(url: str, promql: str) -> list[dict]:
    q = urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(f"{url}api/v1/query?{q}", timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}-/ready", timeout=2):
            return True
    except OSError:
        return False


def start(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(POCBENCH), *SMALL, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def test_prometheus_scrapes_the_contender_and_stops_with_the_run(tmp_path: Path) -> None:
    out = tmp_path / "prom"
    proc = start(out)
    seen: list[dict] = []
    try:
        url = prometheus_url(out, proc, time.monotonic() + 30)
        # real scrapes through the generated config: the job's counter, while the run goes on
        # (its raw samples of the last minute, so a scrape just before the service stopped counts)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                seen = [
                    s
                    for s in query(url, 'http_requests_total{job="c"}[1m]')
                    if any(float(v) > 0 for _, v in s["values"])
                ]
            except OSError as e:
                print(f"query failed ({e}): the run stopped its Prometheus")
                break
            if seen:
                break
            time.sleep(0.5)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = proc.stdout.read()
    print(log)
    assert rc == 0, log
    assert seen, f'no http_requests_total{{job="c"}} > 0 in {url} while the run went on'
    assert all(s["metric"]["service"] == "c" and s["metric"]["instance"].startswith("127.0.0.1:") for s in seen), seen
    assert f"prometheus: {url}" in log, "the URL is not printed at start"

    run = load_json(out / "run.json")
    assert run["status"] == "complete"
    prom = run["prometheus"]
    assert prom["url"] == url and prom["config"] == "prometheus/prometheus.yml"
    port = prom["jobs"]["c"]["port"]
    assert prom["jobs"]["c"] == {"service": "c", "port": port, "target": f"127.0.0.1:{port}"}
    # every scenario's service listened on the job's fixed port
    doc = load_json(out / "test-load-results" / "c-health.json")
    assert f"127.0.0.1:{port}/" in json.dumps(doc), "the scenario did not use the fixed port"
    assert all(s["metric"]["instance"] == f"127.0.0.1:{port}" for s in seen), seen
    cfg = (out / prom["config"]).read_text()
    assert 'job_name: "c"' in cfg and f'"127.0.0.1:{port}"' in cfg
    assert (out / prom["data"]).is_dir()

    assert not procs_naming(out), "prometheus left running after the run"
    assert not answers(url), "the Prometheus URL still answers after the run"
    assert not cgroup_dirs(run)


def test_sigterm_stops_prometheus_and_exits_105(tmp_path: Path) -> None:
    out = tmp_path / "intr"
    proc = start(out)
    try:
        url = prometheus_url(out, proc, time.monotonic() + 30)
        assert answers(url)
        time.sleep(2.0)  # into the scenario
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(proc.stdout.read())
    assert rc == 105
    run = load_json(out / "run.json")
    assert run["status"] == "interrupted"
    assert not procs_naming(out), "prometheus left running after SIGTERM"
    assert not answers(url)
    assert not procs_with_cwd(ROOT / "apps" / "c"), "service process left after SIGTERM"
    assert not cgroup_dirs(run)


def test_variant_job_name_and_missing_binary(tmp_path: Path) -> None:
    p = run_pocbench(
        [
            "run",
            "--prometheus",
            "--dry-run",
            "--services",
            "c,c@yajl-integer",
            "--tests",
            "load",
            "--endpoints",
            "/health",
        ],
        timeout=30,
    )
    assert p.returncode == 0, p.stderr
    assert "c_yajl-integer (service c@yajl-integer)" in p.stdout, p.stdout

    out = tmp_path / "missing"
    env = {**os.environ, "POCBENCH_PROMETHEUS": str(tmp_path / "no-such-prometheus")}
    p = subprocess.run(
        [str(POCBENCH), *SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert p.returncode == 104, p.stdout + p.stderr
    assert "install the Debian package prometheus" in p.stderr and "--prometheus" in p.stderr, p.stderr
    assert not out.exists(), "a run without its Prometheus created the results directory"
