"""Shared helpers for the end-to-end tests of `pocbench run`."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POCBENCH = Path(os.environ.get("POCBENCH", ROOT / "build" / "pocbench")).resolve()
FIXTURE_APPS = ROOT / "tests" / "e2e" / "fixtures" / "apps"


def run_pocbench(args: list[str], timeout: float,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(POCBENCH), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, **(env or {})))


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    assert not dup, f"a JSON object has the key(s) {dup} more than once"
    return dict(pairs)


def load_json(path: Path) -> dict:
    """The document at path; an object with a key twice (invalid for many readers) fails."""
    with open(path) as f:
        return json.load(f, object_pairs_hook=no_duplicate_keys)


def cgroup_dirs(run: dict) -> list[Path]:
    """Every directory of this run's cgroups still present, in any hierarchy run.json names."""
    paths = (run.get("cgroup") or {}).get("paths") or {}
    assert paths, "run.json names no cgroup hierarchy"
    return [p for base in paths.values()
            if (p := Path(base) / "poc-compare" / run["run_id"]).exists()]


def procs_with_cwd(path: Path) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if Path(os.readlink(d / "cwd")).resolve() == path.resolve():
                pids.append(int(d.name))
        except OSError:
            pass
    return pids


@pytest.fixture(scope="session", autouse=True)
def need_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("the end-to-end tests create cgroups: run them as root")
    if not POCBENCH.exists():
        pytest.fail(f"{POCBENCH} is missing: run `make pocbench` first")
