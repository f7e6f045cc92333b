"""`pocbench k8s` takes the option names of `pocbench run` (--services LIST, --apps-dir DIR);
the older --service NAME (repeatable) and --apps DIR stay as aliases."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import ROOT, contenders, pocbench, render


def tree(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): p.read_text() for p in sorted(d.rglob("*")) if p.is_file()}


def test_help_names_the_run_options() -> None:
    r = subprocess.run([pocbench(), "k8s", "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    assert "--services LIST" in r.stdout and "--apps-dir DIR" in r.stdout, r.stdout
    assert "--service NAME" in r.stdout and "--apps DIR" in r.stdout, r.stdout


def test_apps_dir_and_its_alias_render_the_same(tmp_path: Path) -> None:
    name = contenders()[0]["name"]
    apps = tmp_path / "apps"
    (apps / name).mkdir(parents=True)
    shutil.copy(ROOT / "apps" / name / "service.conf", apps / name / "service.conf")
    a, b = tmp_path / "a", tmp_path / "b"
    ra = render(a, "--apps-dir", str(apps))
    rb = render(b, "--apps", str(apps))
    assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
    assert "1 contender" in ra.stdout, ra.stdout
    ta = tree(a)
    assert ta == tree(b)
    jobs = [k for k in ta if k.startswith("jobs/")]
    assert jobs and all(Path(k).name.startswith(f"{name}-") for k in jobs), jobs


def test_services_list_is_checked_like_service(tmp_path: Path) -> None:
    name = contenders()[0]["name"]
    for args in (["--services", f"{name},nosuch"], ["--service", name, "--service", "nosuch"]):
        r = subprocess.run(
            [pocbench(), "k8s", "run", "--kubectl", "/nonexistent/kubectl", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert r.returncode == 104, r.stderr
        assert "'nosuch' is not a contender" in r.stderr and name in r.stderr, r.stderr
