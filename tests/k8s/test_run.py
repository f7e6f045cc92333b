"""`pocbench k8s run` end to end without a cluster: tests/k8s/fake_kubectl.py runs each rendered
Job's own script for real (pocbench load against a local server), and the collector must turn the
pods' logs into the results tree, merging the N pods' exports exactly. Against the real C
contender, the server-side figures come from its /metrics through the (faked) service proxy."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, contenders, docs, pocbench

ENDPOINTS = ["health", "cpu", "io", "json"]
SMOKE = {
    "stages": [{"duration": "1s", "target": 4}, {"duration": "1s", "target": 0}],
    "sleep": "50ms",
    "thresholds": {"http_req_failed": ["rate<0.01"]},
}


class Counting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: Counter = Counter()
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802
        with Counting.lock:
            Counting.hits[self.path] += 1
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server():
    Counting.hits = Counter()
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    s.daemon_threads = True
    t = threading.Thread(target=s.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{s.server_address[1]}"
    s.shutdown()
    s.server_close()


@pytest.fixture()
def c_contender():
    """The real C contender (apps/c, built by `make test-k8s`) on a loopback port, started with
    its service.conf start command as the local runner does (sh -c in its folder)."""
    server = ROOT / "apps" / "c" / "bin" / "server"
    assert server.is_file(), f"{server} missing: `make test-k8s` builds it"
    start = next(c["start"] for c in contenders() if c["name"] == "c")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen(
        ["/bin/sh", "-c", start],
        cwd=server.parent.parent,
        env=dict(os.environ, HOST="127.0.0.1", PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                break
        except OSError:
            assert p.poll() is None and time.monotonic() < deadline, "the C contender did not start"
            time.sleep(0.05)
    yield url
    p.terminate()
    p.wait(timeout=10)


@pytest.fixture()
def study(tmp_path: Path) -> dict:
    """A repository root with the real service.conf files, a short profile and a fake kubectl."""
    root = tmp_path / "root"
    for conf in ROOT.glob("apps/*/service.conf"):
        d = root / "apps" / conf.parent.name
        d.mkdir(parents=True)
        shutil.copy(conf, d / "service.conf")
    (root / "profiles").mkdir()
    (root / "profiles" / "smoke.json").write_text(json.dumps(SMOKE))
    shutil.copy(ROOT / "grafana-dashboard.json", root)
    state = tmp_path / "kubectl-state"
    state.mkdir()
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT}/tests/k8s/fake_kubectl.py" "$@"\n')
    kubectl.chmod(0o755)
    env = dict(
        os.environ,
        POCBENCH_ROOT=str(root),
        FAKE_KUBECTL_STATE=str(state),
        PATH=f"{Path(pocbench()).resolve().parent}:{os.environ['PATH']}",
    )
    return {"root": root, "env": env, "kubectl": str(kubectl), "results": tmp_path / "results", "state": state}


def k8s_run(study: dict, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = dict(study["env"], **env)
    return subprocess.run(
        [
            pocbench(),
            "k8s",
            "run",
            "--kubectl",
            study["kubectl"],
            "--tests",
            "smoke",
            "--results",
            str(study["results"]),
            *args,
        ],
        env=e,
        capture_output=True,
        text=True,
        timeout=300,
    )


def pod_exports(logdir: Path, job: str) -> list[dict]:
    out = []
    for f in sorted(logdir.glob(f"{job}-*.log")):
        text = f.read_text()
        body = text.split("@@pocbench-export-begin", 1)[1].split("\n", 1)[1].split("@@pocbench-export-end")[0]
        out.append(json.loads(body))
    return out


def test_run_collects_and_merges_three_pods_exactly(study: dict, server: str) -> None:
    name = contenders()[0]["name"]
    r = k8s_run(study, "--service", name, "--parallelism", "3", FAKE_KUBECTL_TARGET=server)
    assert r.returncode == 0, r.stdout + r.stderr
    ts = (study["results"] / "latest").resolve()
    run = json.loads((ts / "run.json").read_text())
    assert run["status"] == "complete"
    assert [s["status"] for s in run["scenarios"]] == ["ok"] * 4
    for e in ENDPOINTS:
        doc = json.loads((ts / "test-smoke-results" / f"{name}-{e}.json").read_text())
        assert doc["scenario"]["status"] == "ok" and doc["scenario"]["load_pods"] == 3
        assert doc["scenario"]["url"] == f"http://{name}.poc-compare.svc:80/{e}"
        merged = doc["client"]["metrics"]["http_reqs"]["count"]
        pods = pod_exports(ts / "k8s-logs", f"smoke-{name}-{e}")
        assert len(pods) == 3
        assert merged == sum(p["metrics"]["http_reqs"]["count"] for p in pods)
        assert merged == Counting.hits[f"/{e}"], (e, merged, Counting.hits)
        assert merged > 0
        # exact merge: each latency histogram is the pods' bucket by bucket, not a re-estimate
        for metric in ("http_req_duration", "http_req_waiting", "iteration_duration"):
            mh = doc["client"]["pocbench"]["histograms"][metric]
            ph = [p["pocbench"]["histograms"][metric] for p in pods]
            want: dict[int, int] = {}
            for h in ph:
                for i, c in h["buckets"]:
                    want[i] = want.get(i, 0) + c
            assert dict((i, c) for i, c in mh["buckets"]) == want, (e, metric)
            assert mh["count"] == sum(h["count"] for h in ph) and mh["sum"] == sum(h["sum"] for h in ph)
            assert mh["min"] == min(h["min"] for h in ph) and mh["max"] == max(h["max"] for h in ph)
        txt = (ts / "test-smoke-results" / f"{name}-{e}.txt").read_text()
        assert "http_reqs" in txt
        csv = (ts / "test-smoke-results" / f"{name}-{e}.csv").read_text().splitlines()
        assert csv[0].startswith("t_s,vus,reqs") and csv[0].endswith("cpu_cores,throttled_periods,memory_bytes")
        reqs = sum(int(row.split(",")[2]) for row in csv[1:])
        assert 0 < reqs <= merged
    assert (ts / "k8s" / "kustomization.yaml").is_file()  # the manifests used are kept
    # the same report code renders a cluster's results tree
    rep = subprocess.run([pocbench(), "report", str(ts)], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    assert (ts / "REPORT.md").is_file() and (ts / "report.html").is_file()
    calls = (study["state"] / "calls.log").read_text()
    assert (
        calls.index("namespace.yaml")
        < calls.index("apply -k")
        < calls.index("rollout status")
        < calls.index("/jobs/smoke/")
    )
    # Jobs one at a time: each is applied only after the previous one was collected and deleted
    order = [ln.split()[-1].rsplit("/", 1)[-1] for ln in calls.splitlines() if "apply -f" in ln and "/jobs/" in ln]
    assert order == [f"{name}-{e}.yaml" for e in ENDPOINTS]


def test_a_pod_that_dies_makes_the_scenario_an_error_not_a_crash(study: dict, server: str) -> None:
    name = contenders()[0]["name"]
    r = k8s_run(study, "--service", name, "--parallelism", "2", FAKE_KUBECTL_TARGET=server, FAKE_KUBECTL_KILL_POD="1")
    assert r.returncode == 1, r.stdout + r.stderr
    ts = (study["results"] / "latest").resolve()
    doc = json.loads((ts / "test-smoke-results" / f"{name}-health.json").read_text())
    assert doc["scenario"]["status"] == "error"
    assert "pod 1" in doc["scenario"]["failure"]
    assert doc["client"]["metrics"]["http_reqs"]["count"] == Counting.hits["/health"]


def test_no_current_context_is_a_clear_error(study: dict) -> None:
    r = k8s_run(study, FAKE_KUBECTL_NO_CONTEXT="1")
    assert r.returncode == 104
    assert "no current context" in r.stderr and "kubectl config use-context" in r.stderr


def test_missing_kubectl_is_a_clear_error(study: dict) -> None:
    r = subprocess.run(
        [pocbench(), "k8s", "run", "--kubectl", "/nonexistent/kubectl"],
        env=study["env"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 104 and "kubectl not found" in r.stderr, r.stderr


def test_unknown_service_is_refused_before_touching_the_cluster(study: dict) -> None:
    r = k8s_run(study, "--service", "nosuch")
    assert r.returncode == 104 and "'nosuch' is not a contender" in r.stderr
    assert not (study["state"] / "calls.log").exists()


SCRAPE_LINE = re.compile(r"# pocbench-scrape t_s=(\d+\.\d{3}) unix_ms=(\d+)( error=.*)?")


def scrape_records(prom: str) -> list[tuple[float, bool, str]]:
    """(t_s, ok, body) per scrape of a .prom file."""
    out: list[tuple[float, bool, str]] = []
    for line in prom.splitlines(keepends=True):
        m = SCRAPE_LINE.fullmatch(line.rstrip("\n"))
        if m:
            out.append((float(m.group(1)), m.group(3) is None, ""))
        else:
            assert out, f"{line!r} before the first scrape line"
            t, ok, body = out[-1]
            out[-1] = (t, ok, body + line)
    return out


def test_real_c_contender_server_deltas_match_the_client_counts(study: dict, c_contender: str) -> None:
    r = k8s_run(study, "--service", "c", "--parallelism", "2", FAKE_KUBECTL_TARGET=c_contender)
    assert r.returncode == 0, r.stdout + r.stderr
    ts = (study["results"] / "latest").resolve()
    calls = (study["state"] / "calls.log").read_text()
    assert "get --raw /api/v1/namespaces/poc-compare/services/c:http/proxy/metrics" in calls
    for e in ENDPOINTS:
        doc = json.loads((ts / "test-smoke-results" / f"c-{e}.json").read_text())
        assert doc["scenario"]["status"] == "ok", doc["scenario"]
        client = doc["client"]["metrics"]["http_reqs"]["count"]
        srv = doc["server"]
        assert srv["scrapes"] == 2 and "error" not in srv, srv
        # every answered request is counted; at most the VUs' requests in flight at the hard stop
        # may be counted by the server and not by the client
        vus = max(st["target"] for st in SMOKE["stages"])
        assert client > 0 and client <= srv["requests_total_delta"] <= client + vus, (e, client, srv)
        assert srv["requests_by_status"] == {"2xx": srv["requests_total_delta"]}
        h = srv["duration_histogram"]
        assert h["le"][-1] == "+Inf" and h["counts"][-1] == h["count"] == srv["requests_total_delta"]
        assert h["counts"] == sorted(h["counts"])
        q = srv["quantiles_seconds"]
        assert 0 < q["p50"] <= q["p90"] <= q["p95"] <= q["p99"] <= h["le"][-2], q
        if e == "io":  # a 50 ms wait: the server's own median says so
            assert 0.05 <= q["p50"] <= 0.25, q
        recs = scrape_records((ts / "test-smoke-results" / f"c-{e}.prom").read_text())
        assert [ok for _, ok, _ in recs] == [True, True]
        assert recs[0][0] == 0 and recs[1][0] > 1.0  # the profile lasts 2 s
        assert all("# TYPE http_requests_total counter" in body for _, _, body in recs)
        assert f'handler="/{e}"' in recs[1][2]  # the route has a series once it was served
    rep = subprocess.run([pocbench(), "report", str(ts)], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    # the report of a cluster run has server-side percentiles: /io's median 50 ms wait is in the
    # 50-75 ms bucket (p90 and p99 may fall later on a busy machine, but they are figures)
    io = (ts / "REPORT.md").read_text().split("*smoke /io:", 1)[1]
    row = next(ln for ln in io.splitlines() if ln.startswith("| c |"))
    p50, p90, p99 = row.rstrip(" |").split(" | ")[-3:]
    assert p50 == "50\u201375" and re.fullmatch(r"\d+\u2013\d+", p90) and re.fullmatch(r"\d+\u2013\d+", p99), row


def test_service_proxy_without_endpoints_gives_a_server_error_not_a_failed_run(study: dict, server: str) -> None:
    name = contenders()[0]["name"]
    r = k8s_run(study, "--service", name, FAKE_KUBECTL_TARGET=server, FAKE_KUBECTL_NO_PROXY="1")
    assert r.returncode == 0, r.stdout + r.stderr
    ts = (study["results"] / "latest").resolve()
    doc = json.loads((ts / "test-smoke-results" / f"{name}-health.json").read_text())
    assert doc["scenario"]["status"] == "ok"
    assert doc["server"] == {"scrapes": 0, "error": "no /metrics scrape before and after the profile"}
    recs = scrape_records((ts / "test-smoke-results" / f"{name}-health.prom").read_text())
    assert [ok for _, ok, _ in recs] == [False, False]
    assert "no endpoints available" in (ts / "test-smoke-results" / f"{name}-health.prom").read_text()


def test_run_json_records_git_commit_versions_and_applied_images(study: dict, server: str) -> None:
    root = study["root"]
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "study"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    name = contenders()[0]["name"]
    r = k8s_run(
        study,
        "--service",
        name,
        "--image",
        f"{name}=registry.example/{name}:7",
        "--loadgen-image",
        "registry.example/pocbench:7",
        FAKE_KUBECTL_TARGET=server,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    ts = (study["results"] / "latest").resolve()
    run = json.loads((ts / "run.json").read_text())
    assert run["git"] == {"commit": head, "dirty": False}
    version = subprocess.run([pocbench(), "--version"], capture_output=True, text=True, check=True).stdout
    assert run["versions"]["pocbench_version"] == version.splitlines()[0].removeprefix("pocbench ")
    kv = run["versions"]["kubectl_version"]
    assert kv["clientVersion"]["gitVersion"] == "v1.30.0-fake"
    assert kv["serverVersion"]["gitVersion"] == "v1.30.2-fake"
    for c in contenders():
        assert run["versions"][c["name"]]["start"] == c["start"]
        declared = {k.removeprefix("version."): v for k, v in c.items() if k.startswith("version.")}
        assert declared and all(run["versions"][c["name"]][k] == v for k, v in declared.items())
    # the images as applied: every Deployment and Job image in the manifests kept with the results
    applied: dict[str, str] = {}
    for f in (ts / "k8s").rglob("*.yaml"):
        if f.parts[-3] == "jobs":
            continue
        for d in docs(f):
            if d["kind"] == "Deployment":
                applied[d["metadata"]["name"]] = d["spec"]["template"]["spec"]["containers"][0]["image"]
    assert run["images"]["deployments"] == applied
    assert applied[name] == f"registry.example/{name}:7"
    jobs = {}
    for f in (ts / "k8s" / "jobs" / "smoke").glob(f"{name}-*.yaml"):
        (job,) = [d for d in docs(f) if d["kind"] == "Job"]
        jobs[job["metadata"]["name"]] = job["spec"]["template"]["spec"]["containers"][0]["image"]
    assert run["images"]["jobs"] == jobs and set(jobs.values()) == {"registry.example/pocbench:7"}
    assert len(jobs) == len(ENDPOINTS)
