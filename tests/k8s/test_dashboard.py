"""grafana-dashboard.json: every PromQL expression parses (promtool check rules) and names only
the endpoint contract's metrics (DESIGN.md section 2) and a fixed list of cAdvisor's container_*
series; the panels the study asks for are there."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from conftest import ROOT

# The contract's families (DESIGN.md 2, docs/endpoints.md) and their histogram series.
CONTRACT = {
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count",
    "http_requests_inprogress",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
}
# The cAdvisor series the dashboard may use, spelled as the kubelet's /metrics/cadvisor exports
# them (cAdvisor's container metrics: CPU usage, working-set memory, CFS periods and throttled
# periods). An explicit list, so a misspelt container_* name is an error, not an empty panel.
CADVISOR = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_cpu_cfs_periods_total",
    "container_cpu_cfs_throttled_periods_total",
}
KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "inf",
    "nan",
}


def dashboard() -> dict:
    return json.loads((ROOT / "grafana-dashboard.json").read_text())


def expressions(d: dict) -> list[str]:
    out = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
    out += [a["expr"] for a in d["annotations"]["list"] if "expr" in a]
    return out


def grafana_vars(e: str) -> str:
    return e.replace("$__rate_interval", "1m").replace("$service", ".+")


def metric_names(expr: str) -> set[str]:
    """Identifiers in metric position: strings, label matchers, ranges, grouping clauses and
    function calls removed; what is left that is not a keyword or a number is a metric name."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        tail = e[m.end() :].lstrip()
        if tail.startswith("("):
            continue  # a function or aggregation
        if m.group().lower() in KEYWORDS:
            continue
        names.add(m.group())
    return names


def test_metric_name_extraction_is_not_vacuous() -> None:
    assert metric_names('sum by (job) (rate(http_requests_total{job=~"x"}[1m])) / vector(1)') == {"http_requests_total"}
    assert metric_names("histogram_quantile(0.9, sum by (le) (rate(foo_bucket[5m])))") == {"foo_bucket"}


def test_every_expression_parses_with_promtool(tmp_path: Path) -> None:
    exprs = expressions(dashboard())
    assert len(exprs) >= 15
    rules = [{"record": f"dashboard:expr_{i}", "expr": grafana_vars(e)} for i, e in enumerate(exprs)]
    f = tmp_path / "rules.yml"
    f.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: install the Debian package prometheus (deps/k8s.apt)"
    r = subprocess.run([promtool, "check", "rules", str(f)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(rules)} rules found" in r.stdout


def test_promtool_rules_check_catches_a_parse_error(tmp_path: Path) -> None:
    f = tmp_path / "rules.yml"
    f.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "x", "rules": [{"record": "x:y", "expr": "sum(rate(http_requests_total[1m]) by"}]}]}
        )
    )
    r = subprocess.run(
        [shutil.which("promtool") or "promtool", "check", "rules", str(f)], capture_output=True, text=True
    )
    assert r.returncode != 0


def unknown_metrics(exprs: list[str]) -> set[str]:
    return {m for e in exprs for m in metric_names(e)} - CONTRACT - CADVISOR


def test_expressions_name_only_contract_and_cadvisor_metrics() -> None:
    exprs = expressions(dashboard())
    assert not unknown_metrics(exprs)
    seen = {m for e in exprs for m in metric_names(e)}
    assert {"http_requests_total", "http_request_duration_seconds_bucket"} <= seen
    # every listed cAdvisor series is used: the CPU, memory and throttling panels
    assert CADVISOR <= seen


def test_a_misspelt_or_unlisted_cadvisor_metric_is_refused() -> None:
    assert unknown_metrics(['rate(container_cpu_usage_second_total{container="c"}[1m])']) == {
        "container_cpu_usage_second_total"
    }
    assert unknown_metrics(["container_memory_usage_bytes"]) == {"container_memory_usage_bytes"}


def test_panels_cover_rate_percentiles_errors_cpu_memory() -> None:
    d = dashboard()
    exprs = " ".join(expressions(d))
    for q in ("0.5", "0.9", "0.95", "0.99"):
        assert f"histogram_quantile({q}," in exprs
    assert 'status="5xx"' in exprs
    titles = " ".join(p["title"].lower() for p in d["panels"])
    for w in ("request rate", "p50", "p99", "error rate", "cpu", "memory"):
        assert w in titles, w
    # per-contender panels repeat side by side over the contender variable
    assert any(p.get("repeat") == "service" and p.get("repeatDirection") == "h" for p in d["panels"])
    assert d["templating"]["list"][0]["name"] == "service"


def test_test_start_and_end_annotations() -> None:
    ann = [a for a in dashboard()["annotations"]["list"] if "expr" in a]
    assert any('container="pocbench"' in a["expr"] for a in ann)  # the load Job pods (cluster)
    assert any("http_requests_total" in a["expr"] for a in ann)  # traffic (cluster and local)
    for a in ann:
        assert a["datasource"]["uid"] == "prometheus" and a["enable"] is True


def test_every_panel_uses_the_provisioned_datasource() -> None:
    for p in dashboard()["panels"]:
        if p["type"] != "row":
            assert p["datasource"] == {"type": "prometheus", "uid": "prometheus"}
