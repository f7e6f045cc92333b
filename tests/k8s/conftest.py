"""Shared fixtures for the Kubernetes tests: the repository, pocbench, rendered manifests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def pocbench() -> str:
    return os.environ.get("POCBENCH", str(ROOT / "build" / "pocbench"))


def render(out: Path, *args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, POCBENCH_ROOT=str(root))
    return subprocess.run(
        [pocbench(), "k8s", "render", "--out", str(out), *args], env=env, capture_output=True, text=True, timeout=60
    )


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def contenders() -> list[dict]:
    """service.conf of every contender, as key -> value (env as a list of KEY=VALUE)."""
    out = []
    for conf in sorted(ROOT.glob("apps/*/service.conf")):
        c: dict = {"env": []}
        for line in conf.read_text().splitlines():
            line = line.strip()
            if line.startswith("[variant"):
                break
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = (x.strip() for x in line.split("=", 1))
            if k == "env":
                c["env"].append(v)
            else:
                c[k] = v
        out.append(c)
    return out


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("k8s-p1")
    r = render(out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="session")
def rendered4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("k8s-p4")
    r = render(
        out,
        "--parallelism",
        "4",
        "--image",
        f"{contenders()[0]['name']}=registry.example/x:1",
        "--loadgen-image",
        "registry.example/pocbench:1",
    )
    assert r.returncode == 0, r.stderr
    return out
