#!/usr/bin/env python3
"""A stand-in for kubectl with no cluster behind it, for `pocbench k8s run` tests.

It does the one thing a cluster would do that matters to the collector: it runs each Job's pods.
Each pod runs the Job's own rendered shell script for real (sh, `pocbench load`, the markers),
with JOB_COMPLETION_INDEX set, /profiles pointing at the profiles ConfigMap written out by
`apply -k`, /tmp at a per-pod folder, and the in-cluster Service URL pointing at a local server.
`get --raw` of a Service's proxy path (/api/v1/namespaces/poc-compare/services/<svc>:<port>/
proxy/<path>) is a real GET of <path> on that local server, as the API server would forward it.
Everything else (namespaces, Deployments, rollouts) is recorded and answered as a healthy
cluster would; `version -o json` answers with fixed client and server versions (FAKE_VERSION).
Jobs run synchronously inside `apply -f`. State lives in $FAKE_KUBECTL_STATE.
Environment: FAKE_KUBECTL_TARGET (http://127.0.0.1:PORT), FAKE_KUBECTL_NO_CONTEXT=1,
FAKE_KUBECTL_KILL_POD=<index> (that pod dies before printing anything, as an OOM kill would),
FAKE_KUBECTL_NO_PROXY=1 (the service proxy answers 503, as for a Service without endpoints).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

STATE = Path(os.environ["FAKE_KUBECTL_STATE"])
FAKE_VERSION = {
    "clientVersion": {"major": "1", "minor": "30", "gitVersion": "v1.30.0-fake", "platform": "linux/amd64"},
    "kustomizeVersion": "v5.0.4-fake",
    "serverVersion": {"major": "1", "minor": "30", "gitVersion": "v1.30.2-fake", "platform": "linux/amd64"},
}
PROXY = re.compile(r"/api/v1/namespaces/poc-compare/services/(?:https?:)?([a-z0-9-]+)(?::([a-z0-9-]+))?/proxy(/.*)")


def get_raw(path: str) -> int:
    """A Service proxy GET, forwarded to the local server over loopback."""
    m = PROXY.fullmatch(path)
    if not m:
        print(f"fake kubectl: get --raw {path}: not a service proxy path", file=sys.stderr)
        return 1
    if os.environ.get("FAKE_KUBECTL_NO_PROXY"):
        print(
            f'Error from server (ServiceUnavailable): no endpoints available for service "{m.group(1)}"',
            file=sys.stderr,
        )
        return 1
    try:
        with urllib.request.urlopen(os.environ["FAKE_KUBECTL_TARGET"] + m.group(3), timeout=10) as r:
            sys.stdout.buffer.write(r.read())
    except (urllib.error.URLError, OSError) as e:
        print(f"Error from server: {e}", file=sys.stderr)
        return 1
    return 0


def log(*args: str) -> None:
    with open(STATE / "calls.log", "a") as f:
        f.write(" ".join(args) + "\n")


def apply_kustomize(d: Path) -> None:
    k = yaml.safe_load((d / "kustomization.yaml").read_text().split("---", 1)[1])
    for res in k["resources"]:
        for doc in yaml.safe_load_all((d / res).read_text()):
            if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "pocbench-profiles":
                prof = STATE / "profiles"
                prof.mkdir(parents=True, exist_ok=True)
                for name, text in doc["data"].items():
                    (prof / name).write_text(text)


def run_job(job: dict) -> None:
    name = job["metadata"]["name"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    ctr = spec["template"]["spec"]["containers"][0]
    assert ctr["command"] == ["/bin/sh", "-c"]
    script = ctr["args"][0]
    script = re.sub(r"http://[a-z0-9-]+\.poc-compare\.svc:80", os.environ["FAKE_KUBECTL_TARGET"], script)
    jd = STATE / "jobs" / name
    jd.mkdir(parents=True, exist_ok=True)
    kill = os.environ.get("FAKE_KUBECTL_KILL_POD")
    procs = []
    for i in range(spec["completions"]):
        pod = f"{name}-{i}-fake{i:02d}"
        tmp = jd / f"tmp-{i}"
        tmp.mkdir(exist_ok=True)
        env = dict(os.environ, JOB_COMPLETION_INDEX=str(i))
        out = open(jd / f"{pod}.log", "w")
        if kill is not None and int(kill) == i:
            procs.append((pod, subprocess.Popen(["/bin/sh", "-c", "exit 137"], stdout=out, stderr=subprocess.STDOUT)))
        else:
            procs.append(
                (
                    pod,
                    subprocess.Popen(
                        [
                            "/bin/sh",
                            "-c",
                            script.replace("/tmp/", str(tmp) + "/").replace(
                                "/profiles/", str(STATE / "profiles") + "/"
                            ),
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    ),
                )
            )
    ok = failed = 0
    for _pod, p in procs:
        rc = p.wait(timeout=120)
        ok += rc == 0
        failed += rc != 0
    (jd / "status.json").write_text(json.dumps({"succeeded": ok, "failed": failed, "pods": [pod for pod, _ in procs]}))


def main(argv: list[str]) -> int:
    log(*argv)
    args = list(argv)
    if args[:2] == ["-n", "poc-compare"]:
        args = args[2:]
    if args[:2] == ["config", "current-context"]:
        if os.environ.get("FAKE_KUBECTL_NO_CONTEXT"):
            print("error: current-context is not set", file=sys.stderr)
            return 1
        print("fake-cluster")
        return 0
    if args[:1] == ["version"]:
        assert "-o" in args and args[args.index("-o") + 1] == "json", args
        print(json.dumps(FAKE_VERSION, indent=2))
        return 0
    if args[:2] == ["get", "--raw"]:
        return get_raw(args[2])
    if args[:2] == ["apply", "-k"]:
        apply_kustomize(Path(args[2]))
        return 0
    if args[:2] == ["apply", "-f"]:
        for doc in yaml.safe_load_all(Path(args[2]).read_text()):
            if doc and doc["kind"] == "Job":
                run_job(doc)
        return 0
    if args[:2] == ["rollout", "status"]:
        print(f"{args[2]} successfully rolled out")
        return 0
    if args[:1] == ["delete"] and args[1].startswith("job/"):
        st = STATE / "jobs" / args[1][4:] / "status.json"
        if st.exists():
            st.unlink()
        return 0
    if args[:1] == ["get"] and args[1].startswith("job/"):
        st = STATE / "jobs" / args[1][4:] / "status.json"
        if not st.exists():
            print(f'Error from server (NotFound): jobs.batch "{args[1][4:]}" not found', file=sys.stderr)
            return 1
        s = json.loads(st.read_text())
        # kubectl's jsonpath prints an absent field as nothing
        print(f'{s["succeeded"] or ""} {s["failed"] or ""}', end="")
        return 0
    if args[:2] == ["get", "pods"] and args[2] == "-l":
        job = args[3].split("=", 1)[1]
        st = STATE / "jobs" / job / "status.json"
        if st.exists():
            print("".join(p + "\n" for p in json.loads(st.read_text())["pods"]), end="")
        return 0
    if args[:1] == ["logs"]:
        pod = args[1]
        job = pod.rsplit("-", 2)[0]
        sys.stdout.write((STATE / "jobs" / job / f"{pod}.log").read_text())
        return 0
    print(f"fake kubectl: unsupported: {' '.join(argv)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
