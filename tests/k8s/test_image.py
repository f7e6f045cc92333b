"""docker/pocbench.Dockerfile (no Docker daemon here): the runtime stage installs exactly the
Debian packages whose libraries build/pocbench links, it builds the same make target, and the
image runs as the non-root user the Jobs require."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import ROOT, pocbench

DOCKERFILE = ROOT / "docker" / "pocbench.Dockerfile"


def stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)[1:]


def linked_packages() -> set[str]:
    out = subprocess.run(["ldd", pocbench()], capture_output=True, text=True, check=True).stdout
    pkgs = set()
    for lib in re.findall(r"=> (\S+)", out):
        real = str(Path(lib).resolve())
        r = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        if r.returncode != 0:
            r = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
        assert r.returncode == 0, f"no Debian package owns {lib}"
        pkgs.add(r.stdout.split(":")[0])
    return pkgs - {"libc6"}


def test_runtime_stage_installs_the_linked_libraries() -> None:
    runtime = stages()[-1]
    install = re.search(r"apt-get install[^\n]*?--no-install-recommends([^&]*)", runtime, re.S)
    assert install
    want = linked_packages()
    assert want, "ldd found no library to check"
    assert set(install.group(1).split()) - {"\\"} == want


def test_build_stage_builds_the_make_target_and_jobs_find_pocbench_on_path() -> None:
    build = stages()[0]
    assert "RUN make build/pocbench" in build
    for dev in ("libhttp-parser-dev", "libyajl-dev", "libssl-dev"):
        assert dev in build
    assert "/usr/local/bin/pocbench" in stages()[-1]


def test_image_user_is_the_jobs_non_root_uid() -> None:
    runtime = stages()[-1]
    assert "USER 10001:10001" in runtime
    job = (ROOT / "k8s/jobs/load").glob("*.yaml").__next__().read_text()
    assert "runAsUser: 10001" in job
