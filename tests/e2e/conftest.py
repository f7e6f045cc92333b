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


def run_pocbench(
    args: list[str], timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(POCBENCH), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, **(env or {})),
    )


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
    return [p for base in paths.values() if (p := Path(base) / "poc-compare" / run["run_id"]).exists()]


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


def own_processes(out: Path, app_dirs: list[Path]) -> list[str]:
    """This run's processes, and only this run's: every process whose command line names the
    run's own results directory (the runner, and each `pocbench load` it starts, whose
    --summary-export and --out files are under it), or whose cwd is one of app_dirs (a
    service: each starts in its contender's folder, a copy made for the test) or under out.
    Other runs on the machine (other results directories, other app folders) never match.
    Each as "pid cmdline"."""
    mark = str(out.resolve())
    dirs = [d.resolve() for d in app_dirs]
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = Path(os.readlink(d / "cwd")).resolve()
            state = (d / "stat").read_text().rsplit(") ", 1)[-1][:1]
        except OSError:
            continue  # gone meanwhile, or a kernel thread
        if state == "Z":
            continue  # a zombie is a pid, not a process: its parent just has not reaped it
        if mark in cmd or cwd in dirs or cwd == out.resolve() or out.resolve() in cwd.parents:
            found.append(f"{d.name} {cmd}")
    return found


def tiny_app(apps: Path, name: str = "tiny", extra: str = "") -> Path:
    """A copy of the tiny fixture under apps/<name>, so its services have a folder (their cwd)
    that belongs to this test alone; extra is appended to its service.conf."""
    app = apps / name
    app.mkdir(parents=True)
    (app / "service.conf").write_text(
        f"name = {name}\nlanguage = python\ndescription = tiny copy for one test\n"
        f"start = exec python3 {FIXTURE_APPS / 'oom' / 'server.py'}\nenv = ALLOC_MB=0\n"
        f"health = /health\nversion.fixture = 1\n{extra}"
    )
    return app


@pytest.fixture(scope="session", autouse=True)
def need_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("the end-to-end tests create cgroups: run them as root")
    if not POCBENCH.exists():
        pytest.fail(f"{POCBENCH} is missing: run `make pocbench` first")
