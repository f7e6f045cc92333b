"""Rendered and committed manifests: Kubernetes schemas, yamllint, and agreement with
apps/*/service.conf and profiles/*.json (names, limits, labels, probes, commands)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from conftest import ROOT, contenders, docs, render

K8S_VERSION = "1.30.0"
ENDPOINTS = ["health", "cpu", "io", "json"]
TESTS = ["load", "stress"]


def svc_dir(name: str) -> str:
    return "go-service" if name == "golang" else f"{name}-service"


def manifest_files(d: Path) -> list[Path]:
    return sorted(p for p in d.rglob("*.yaml") if p.name != "kustomization.yaml")


def validate_tree(d: Path) -> int:
    n = 0
    for f in manifest_files(d):
        for doc in docs(f):
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as e:
                pytest.fail(f"{f}: {doc['kind']} {doc['metadata']['name']}: {e.message} at {list(e.path)}")
            n += 1
    return n


def test_rendered_manifests_validate_against_kubernetes_schemas(rendered: Path) -> None:
    assert validate_tree(rendered) > 10


def test_rendered_manifests_with_parallelism_validate(rendered4: Path) -> None:
    assert validate_tree(rendered4) > 10


def test_committed_manifests_validate_against_kubernetes_schemas() -> None:
    assert validate_tree(ROOT / "k8s") > 10


def test_schema_validation_rejects_a_broken_manifest(rendered: Path) -> None:
    """The validator is not a no-op: an unknown field and a wrong type are both refused."""
    dep = docs(rendered / svc_dir(contenders()[0]["name"]) / "deployments.yaml")[0]
    dep["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, K8S_VERSION, strict=True)
    dep["spec"]["replicas"] = 1
    dep["spec"]["template"]["spec"]["containers"][0]["cpuLimit"] = "1"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, K8S_VERSION, strict=True)


@pytest.mark.parametrize("which", ["rendered", "rendered4", "committed"])
def test_yamllint_is_clean(which: str, request: pytest.FixtureRequest) -> None:
    d = ROOT / "k8s" if which == "committed" else request.getfixturevalue(which)
    r = subprocess.run(
        [sys.executable, "-m", "yamllint", "-s", "-c", str(ROOT / ".yamllint"), str(d)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_committed_tree_is_the_render_of_the_current_sources(rendered: Path) -> None:
    """k8s/ is generated: it must equal `pocbench k8s render` of apps/ and profiles/ now
    (run `make k8s-render` after changing a service.conf or a profile)."""
    want = {p.relative_to(rendered): p.read_text() for p in rendered.rglob("*.yaml")}
    have = {p.relative_to(ROOT / "k8s"): p.read_text() for p in (ROOT / "k8s").rglob("*.yaml")}
    assert sorted(map(str, have)) == sorted(map(str, want))
    stale = [str(k) for k in want if want[k] != have[k]]
    assert not stale, f"stale committed manifests (make k8s-render): {stale}"


def test_the_study_paths_exist_for_every_contender() -> None:
    for c in contenders():
        assert (ROOT / "k8s" / svc_dir(c["name"]) / "deployments.yaml").is_file()
    assert (ROOT / "k8s/prometheus/prometheus-configmap.yaml").is_file()
    assert (ROOT / "k8s/namespace.yaml").is_file()


def by_kind(path: Path) -> dict[str, dict]:
    return {d["kind"]: d for d in docs(path)}


@pytest.mark.parametrize("c", contenders(), ids=lambda c: c["name"])
def test_contender_deployment_agrees_with_service_conf(c: dict, rendered: Path) -> None:
    k = by_kind(rendered / svc_dir(c["name"]) / "deployments.yaml")
    dep, svc, hpa = k["Deployment"], k["Service"], k["HorizontalPodAutoscaler"]
    name = c["name"]
    for d in (dep, svc, hpa):
        assert d["metadata"]["name"] == name
        assert d["metadata"]["namespace"] == "poc-compare"
        assert d["metadata"]["labels"]["app.kubernetes.io/name"] == name
    assert dep["spec"]["replicas"] == 1
    assert dep["metadata"]["annotations"]["poc-compare/start"] == c["start"]
    pod = dep["spec"]["template"]["spec"]
    assert dep["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    assert dep["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == name
    (ctr,) = pod["containers"]
    assert ctr["name"] == name and ctr["image"] == f"poc-{name}:latest"
    want = {"cpu": "500m", "memory": "256Mi"}
    assert ctr["resources"] == {"requests": want, "limits": want}
    env = {e["name"]: e["value"] for e in ctr["env"]}
    assert env["HOST"] == "0.0.0.0" and env["PORT"] == "8080"
    for kv in c["env"]:
        key, val = kv.split("=", 1)
        assert env.get(key) == val, kv
    health = c.get("health", "/health")
    r, live, start = ctr["readinessProbe"], ctr["livenessProbe"], ctr["startupProbe"]
    for p in (r, live, start):
        assert p["httpGet"]["path"] == health and p["httpGet"]["port"] == "http"
    # a busy pod is slow, not dead: generous timeouts, liveness looser than readiness
    assert r["timeoutSeconds"] >= 5 and r["failureThreshold"] * r["periodSeconds"] >= 30
    assert live["timeoutSeconds"] > r["timeoutSeconds"]
    assert live["failureThreshold"] * live["periodSeconds"] > r["failureThreshold"] * r["periodSeconds"]
    sc = ctr["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert ctr["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert svc["spec"]["ports"][0]["port"] == 80 and svc["spec"]["ports"][0]["targetPort"] == "http"
    assert svc["spec"]["selector"] == {"app.kubernetes.io/name": name}
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["minReplicas"] == 1 and hpa["spec"]["maxReplicas"] == 1
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}


def test_image_overrides_apply(rendered4: Path) -> None:
    c = contenders()[0]
    dep = by_kind(rendered4 / svc_dir(c["name"]) / "deployments.yaml")["Deployment"]
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/x:1"
    job = docs(rendered4 / "jobs/load" / f"{c['name']}-health.yaml")[0]
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/pocbench:1"


@pytest.mark.parametrize("par", [1, 4])
def test_one_job_per_test_contender_endpoint_running_pocbench_load(par: int, request: pytest.FixtureRequest) -> None:
    d = request.getfixturevalue("rendered" if par == 1 else "rendered4")
    names = set()
    for t in TESTS:
        for c in contenders():
            for e in ENDPOINTS:
                (job,) = docs(d / "jobs" / t / f"{c['name']}-{e}.yaml")
                assert job["kind"] == "Job"
                names.add(job["metadata"]["name"])
                assert job["metadata"]["name"] == f"{t}-{c['name']}-{e}"
                s = job["spec"]
                assert s["completionMode"] == "Indexed" and s["completions"] == par and s["parallelism"] == par
                assert s["backoffLimit"] == 0
                (ctr,) = s["template"]["spec"]["containers"]
                script = ctr["args"][0]
                prof = f"/profiles/{t}.json" if par == 1 else f"/profiles/{t}.share-$i-of-{par}.json"
                assert f'pocbench load --no-color --config "{prof}"' in script
                assert f'"http://{c["name"]}.poc-compare.svc:80/{e}"' in script
                assert "--summary-export /tmp/export.json" in script
                mounts = {m["name"]: m["mountPath"] for m in ctr["volumeMounts"]}
                assert mounts == {"profiles": "/profiles", "tmp": "/tmp"}
    assert len(names) == len(TESTS) * len(contenders()) * len(ENDPOINTS)
    assert len(list((d / "jobs").rglob("*.yaml"))) == len(names)


def stage_targets(profile: dict) -> list[float]:
    return [s["target"] for s in profile["stages"]]


@pytest.mark.parametrize("t", TESTS)
def test_profiles_configmap_holds_the_profiles_and_shares_adding_up(t: str, rendered4: Path) -> None:
    (cm,) = docs(rendered4 / "loadgen/profiles-configmap.yaml")
    data = cm["data"]
    full = json.loads((ROOT / "profiles" / f"{t}.json").read_text())
    assert json.loads(data[f"{t}.json"]) == full
    shares = [json.loads(data[f"{t}.share-{i}-of-4.json"]) for i in range(4)]
    for k, target in enumerate(stage_targets(full)):
        got = [stage_targets(s)[k] for s in shares]
        assert sum(got) == target and max(got) - min(got) <= 1, (k, got)
    for s in shares:
        assert [x["duration"] for x in s["stages"]] == [x["duration"] for x in full["stages"]]
        assert s.get("thresholds") == full.get("thresholds") and s.get("sleep") == full.get("sleep")


def test_render_refuses_more_pods_than_vus(tmp_path: Path) -> None:
    r = render(tmp_path, "--parallelism", "1000")
    assert r.returncode == 104 and "more than the profile's peak" in r.stderr, r.stderr


def test_render_names_a_missing_profile(tmp_path: Path) -> None:
    r = render(tmp_path, "--tests", "nosuchtest")
    assert r.returncode == 104 and "profiles/nosuchtest.json" in r.stderr, r.stderr


def test_render_rejects_an_image_for_an_unknown_contender(tmp_path: Path) -> None:
    r = render(tmp_path, "--image", "nosuch=img:1")
    assert r.returncode == 104 and "--image 'nosuch=img:1'" in r.stderr, r.stderr


def test_render_rejects_a_bad_parallelism(tmp_path: Path) -> None:
    r = render(tmp_path, "--parallelism", "0")
    assert r.returncode == 104 and "--parallelism" in r.stderr, r.stderr


def test_grafana_configmap_carries_the_root_dashboard(rendered: Path) -> None:
    k = [d for d in docs(rendered / "grafana/grafana.yaml") if d["kind"] == "ConfigMap"]
    cms = {d["metadata"]["name"]: d for d in k}
    dash = json.loads(cms["grafana-dashboards"]["data"]["poc-compare.json"])
    assert dash == json.loads((ROOT / "grafana-dashboard.json").read_text())
    ds = yaml.safe_load(cms["grafana-datasources"]["data"]["prometheus.yaml"])
    assert ds["datasources"][0]["uid"] == "prometheus"
    assert ds["datasources"][0]["url"] == "http://prometheus:9090"


def test_kustomization_lists_the_stack_but_no_job(rendered: Path) -> None:
    (k,) = docs(rendered / "kustomization.yaml")
    res = k["resources"]
    assert res[0] == "namespace.yaml" and not any(r.startswith("jobs/") for r in res)
    for r in res:
        assert (rendered / r).is_file(), r
    for c in contenders():
        assert f"{svc_dir(c['name'])}/deployments.yaml" in res
