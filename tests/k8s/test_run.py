"""`pocbench k8s run` end to end without a cluster: tests/k8s/fake_kubectl.py runs each rendered
Job's own script for real (pocbench load against a local server), and the collector must turn the
pods' logs into the results tree, merging the N pods' exports exactly."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, contenders, pocbench

ENDPOINTS = ["health", "cpu", "io", "json"]
SMOKE = {"stages": [{"duration": "1s", "target": 4}, {"duration": "1s", "target": 0}],
         "sleep": "50ms", "thresholds": {"http_req_failed": ["rate<0.01"]}}


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
    env = dict(os.environ, POCBENCH_ROOT=str(root), FAKE_KUBECTL_STATE=str(state),
               PATH=f"{Path(pocbench()).resolve().parent}:{os.environ['PATH']}")
    return {"root": root, "env": env, "kubectl": str(kubectl), "results": tmp_path / "results",
            "state": state}


def k8s_run(study: dict, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = dict(study["env"], **env)
    return subprocess.run([pocbench(), "k8s", "run", "--kubectl", study["kubectl"], "--tests", "smoke",
                           "--results", str(study["results"]), *args],
                          env=e, capture_output=True, text=True, timeout=300)


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
        txt = (ts / "test-smoke-results" / f"{name}-{e}.txt").read_text()
        assert "http_reqs" in txt
        csv = (ts / "test-smoke-results" / f"{name}-{e}.csv").read_text().splitlines()
        assert csv[0].startswith("t_s,vus,reqs") and csv[0].endswith("cpu_cores,throttled_periods,memory_bytes")
        reqs = sum(int(row.split(",")[2]) for row in csv[1:])
        assert 0 < reqs <= merged
    assert (ts / "k8s" / "kustomization.yaml").is_file()          # the manifests used are kept
    # the same report code renders a cluster's results tree
    rep = subprocess.run([pocbench(), "report", str(ts)], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    assert (ts / "REPORT.md").is_file() and (ts / "report.html").is_file()
    calls = (study["state"] / "calls.log").read_text()
    assert calls.index("namespace.yaml") < calls.index("apply -k") < calls.index("rollout status") < calls.index("/jobs/smoke/")
    # Jobs one at a time: each is applied only after the previous one was collected and deleted
    order = [ln.split()[-1].rsplit("/", 1)[-1] for ln in calls.splitlines() if "apply -f" in ln and "/jobs/" in ln]
    assert order == [f"{name}-{e}.yaml" for e in ENDPOINTS]


def test_a_pod_that_dies_makes_the_scenario_an_error_not_a_crash(study: dict, server: str) -> None:
    name = contenders()[0]["name"]
    r = k8s_run(study, "--service", name, "--parallelism", "2", FAKE_KUBECTL_TARGET=server,
                FAKE_KUBECTL_KILL_POD="1")
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
    r = subprocess.run([pocbench(), "k8s", "run", "--kubectl", "/nonexistent/kubectl"],
                       env=study["env"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 104 and "kubectl not found" in r.stderr, r.stderr


def test_unknown_service_is_refused_before_touching_the_cluster(study: dict) -> None:
    r = k8s_run(study, "--service", "nosuch")
    assert r.returncode == 104 and "'nosuch' is not a contender" in r.stderr
    assert not (study["state"] / "calls.log").exists()
