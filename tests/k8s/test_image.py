"""docker/pocbench.Dockerfile (no Docker daemon here): the runtime stage installs exactly the
Debian packages whose libraries build/pocbench links, it builds the same make target, and the
image runs as the non-root user the Jobs require. apps/*/Dockerfile: each image's final command
is its service.conf `start` run through sh -c, and what that command runs is copied into it."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import subprocess
from pathlib import Path

from conftest import ROOT, contenders, pocbench

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


# ---- the contenders' images: the Deployments set no command, so each image's CMD is what starts
# the service on the cluster, and it has to be service.conf's `start` (what the local runner runs)


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the last stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(ln for ln in dockerfile.splitlines() if not ln.lstrip().startswith("#")))
    instrs = [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", text, re.M)]
    last = max(i for i, (k, _) in enumerate(instrs) if k == "FROM")
    return instrs[last:]


def exec_form(args: str) -> list[str]:
    """CMD/ENTRYPOINT arguments as the argv Docker runs: JSON exec form, or the shell form."""
    return json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]


def image_command(stage: list[tuple[str, str]]) -> list[str]:
    entry = [exec_form(a) for k, a in stage if k == "ENTRYPOINT"]
    cmd = [exec_form(a) for k, a in stage if k == "CMD"]
    return (entry[-1] if entry else []) + (cmd[-1] if cmd else [])


def runs_start(argv: list[str], start: str) -> bool:
    """argv runs start as the local runner does: through sh -c, the command text unchanged."""
    return len(argv) == 3 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c" and argv[2] == start


def copied_paths(stage: list[tuple[str, str]]) -> list[tuple[list[str], str, bool]]:
    """(sources, absolute destination, destination is a folder the sources go into) of each COPY,
    destinations resolved against WORKDIR."""
    out, workdir = [], "/"
    for k, a in stage:
        if k == "WORKDIR":
            workdir = posixpath.join(workdir, a)
        elif k == "COPY":
            words = [w for w in shlex.split(a) if not w.startswith("--")]
            src, dest = words[:-1], words[-1]
            into = dest.endswith("/") or dest in (".", "./") or len(src) > 1
            out.append((src, posixpath.normpath(posixpath.join(workdir, dest)), into))
    return out


def workdir_of(stage: list[tuple[str, str]]) -> str:
    w = "/"
    for k, a in stage:
        if k == "WORKDIR":
            w = posixpath.join(w, a)
    return w


def provides(stage: list[tuple[str, str]], path: str) -> bool:
    """A COPY of the final stage puts something at path: the destination itself, below a source
    copied as the destination (a folder), or a named source (or a folder's contents) inside a
    destination folder."""
    for sources, dest, into in copied_paths(stage):
        if path == dest:
            return True
        if not path.startswith(dest + "/"):
            continue
        if not into:
            return True
        first = path[len(dest) + 1 :].split("/")[0]
        if any(src.endswith("/") or posixpath.basename(src) == first for src in sources):
            return True
    return False


def test_command_parsing_is_not_vacuous() -> None:
    good = (
        'FROM a AS b\nCMD ["x"]\nFROM c\nWORKDIR /app\nCOPY --from=b /s/bin/server ./bin/server\n'
        'CMD ["sh", "-c", "exec ./bin/server"]\n'
    )
    st = final_stage(good)
    assert runs_start(image_command(st), "exec ./bin/server")
    assert provides(st, "/app/bin/server") and not provides(st, "/app/bin/other")
    files = final_stage("FROM c\nWORKDIR /app\nCOPY a.lock serve.py ./\nCOPY --from=b /v .venv\nCOPY app/ app/\n")
    assert provides(files, "/app/serve.py") and provides(files, "/app/.venv/bin/python")
    assert provides(files, "/app/app/main.py") and not provides(files, "/app/other.py")
    assert not runs_start(
        image_command(final_stage(good.replace('./bin/server"]', './bin/srv"]'))), "exec ./bin/server"
    )
    assert image_command(final_stage("FROM c\nCMD exec ./bin/server\n")) == ["/bin/sh", "-c", "exec ./bin/server"]
    assert not runs_start(image_command(final_stage('FROM c\nENTRYPOINT ["tini", "--"]\nCMD ["sh", "-c", "s"]\n')), "s")


def test_every_contender_image_runs_its_service_conf_start_command() -> None:
    checked = 0
    for c in contenders():
        df = ROOT / "apps" / c["name"] / "Dockerfile"
        assert df.is_file(), f"{df} missing: the cluster needs an image per contender"
        stage = final_stage(df.read_text())
        argv = image_command(stage)
        assert runs_start(argv, c["start"]), f"{df}: the image runs {argv}, service.conf starts {c['start']!r}"
        # and what it runs is in the image, where the start command looks for it
        words = shlex.split(c["start"])
        words = words[1:] if words[0] == "exec" else words
        wd = workdir_of(stage)
        assert "/" in words[0] and provides(
            stage, posixpath.normpath(posixpath.join(wd, words[0]))
        ), f"{df}: nothing copied to {words[0]} under WORKDIR {wd}"
        for w in words[1:]:
            if (df.parent / w).is_file():  # a file of the contender's folder, e.g. serve.py
                assert provides(stage, posixpath.join(wd, w)), f"{df}: {w} is not copied to {wd}"
        checked += 1
    assert checked == len(list(ROOT.glob("apps/*/service.conf"))) >= 3
