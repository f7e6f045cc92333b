"""The cluster's prometheus.yml: one 5 s job per contender, accepted by promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import contenders, docs


def promtool() -> str:
    p = shutil.which("promtool")
    assert p, "promtool missing: install the Debian package prometheus (deps/k8s.apt)"
    return p


def config(rendered: Path) -> dict:
    (cm,) = docs(rendered / "prometheus/prometheus-configmap.yaml")
    return yaml.safe_load(cm["data"]["prometheus.yml"])


def test_one_scrape_job_per_contender_every_5s(rendered: Path) -> None:
    c = config(rendered)
    assert c["global"]["scrape_interval"] == "5s"
    jobs = {j["job_name"]: j for j in c["scrape_configs"]}
    for s in contenders():
        j = jobs[s["name"]]
        assert j["static_configs"][0]["targets"] == [f"{s['name']}.poc-compare.svc:80"]
        assert j["metrics_path"] == "/metrics"
    cad = jobs["kubernetes-cadvisor"]
    assert cad["kubernetes_sd_configs"] == [{"role": "node"}]


def test_promtool_accepts_the_cluster_config(rendered: Path, tmp_path: Path) -> None:
    """Debian's promtool is built without Kubernetes service discovery, so the cAdvisor job's
    kubernetes_sd_configs (checked structurally above) is swapped for a static target of the
    same address; everything else (relabelling, TLS, authorization) is checked for real."""
    c = config(rendered)
    for j in c["scrape_configs"]:
        if "kubernetes_sd_configs" in j:
            del j["kubernetes_sd_configs"]
            j["static_configs"] = [{"targets": ["kubernetes.default.svc:443"]}]
    p = tmp_path / "prometheus.yml"
    p.write_text(yaml.safe_dump(c))
    r = subprocess.run([promtool(), "check", "config", "--syntax-only", str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_rejects_a_broken_config(tmp_path: Path) -> None:
    p = tmp_path / "bad.yml"
    p.write_text("global:\n  scrape_interval: 5 seconds\n")
    r = subprocess.run([promtool(), "check", "config", "--syntax-only", str(p)], capture_output=True, text=True)
    assert r.returncode != 0


@pytest.mark.parametrize("f", ["prometheus/prometheus.yaml"])
def test_prometheus_workload_reads_the_configmap(f: str, rendered: Path) -> None:
    k = {d["kind"]: d for d in docs(rendered / f)}
    pod = k["Deployment"]["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod["volumes"]}
    assert vols["config"]["configMap"]["name"] == "prometheus-config"
    assert k["Service"]["spec"]["ports"][0]["port"] == 9090
    assert pod["serviceAccountName"] == "prometheus"
