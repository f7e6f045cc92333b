"""`pocbench run` end to end on this machine's real cgroups: a small study on every contender
(tree complete and parseable, client and server counts agree, throttling present, run.json
complete, the real report), a contender that is OOM-killed, one that crashes mid-run and one
that never becomes healthy while the run goes on, a run without limits, variants' versions
measured with their own environment, runs interrupted by SIGINT and SIGTERM that leave
nothing behind (no load generator, no service, no cgroup) and that --resume completes, and a
tiny study whose capacity phase --capacity-step runs for real."""

from __future__ import annotations

import csv
import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_APPS, POCBENCH, ROOT, cgroup_dirs, load_json, own_processes, run_pocbench, tiny_app

CSV_HEADER = (
    "t_s,vus,reqs,failed,iterations,dropped,data_sent,data_received,p50_ms,p90_ms,"
    "p95_ms,p99_ms,max_ms,p99_corrected_ms,cpu_cores,throttled_periods,memory_bytes"
).split(",")
SAMPLE_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+( -?[0-9]+)?$")
RUNJSON_KEYS = [
    "schema",
    "started",
    "ended",
    "status",
    "argv",
    "options",
    "machine",
    "kernel",
    "cgroup",
    "limits",
    "placement",
    "versions",
    "git",
    "plan",
    "scenarios",
]


def contenders() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "apps").glob("*/service.conf"))


def check_prom(path: Path) -> int:
    """Every line a comment or a sample; returns the number of successful scrapes."""
    scrapes = 0
    for line in path.read_text().splitlines():
        if line.startswith("# pocbench-scrape"):
            scrapes += "error=" not in line
        elif line and not line.startswith("#"):
            assert SAMPLE_RE.match(line), f"{path.name}: not a sample line: {line!r}"
    return scrapes


def check_csv(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_HEADER, f"{path.name}: header {rows[0]}"
    assert len(rows) > 1, f"{path.name}: no per-second row"
    for r in rows[1:]:
        assert len(r) == len(CSV_HEADER), f"{path.name}: row of {len(r)} cells: {r}"
        float(r[0])
    return [dict(zip(CSV_HEADER, r, strict=False)) for r in rows[1:]]


def check_tree(out: Path, limits: bool = True, git: bool = True) -> dict:
    run = load_json(out / "run.json")
    for k in RUNJSON_KEYS:
        assert k in run, f"run.json lacks {k}"
    assert run["kernel"]["release"] and run["machine"]["cores"] >= 1
    assert run["cgroup"]["version"] in ((1, 2) if limits else (None,)), run["cgroup"]
    if git:
        assert run["git"]["commit"] and len(run["git"]["commit"]) == 40
    assert len(run["plan"]) == len(run["scenarios"])
    for s in run["scenarios"]:
        assert s["status"] != "planned", f"{s} never ran"
        for f in s["files"]:
            assert (out / f).is_file(), f"missing {f}"
    return run


def test_small_study_every_contender(tmp_path: Path) -> None:
    names = contenders()
    assert names, "no contender in apps/"
    out = tmp_path / "study"
    t0 = time.monotonic()
    p = run_pocbench(
        [
            "run",
            "--scale",
            "0.02",
            "--warmup",
            "1s",
            "--endpoints",
            "/health,/json",
            "--tests",
            "load,stress",
            "--out",
            str(out),
        ],
        timeout=280,
    )
    took = time.monotonic() - t0
    print(p.stdout[-3000:], p.stderr[-3000:], f"took {took:.0f}s", sep="\n")
    assert p.returncode == 0, f"exit {p.returncode}"
    run = check_tree(out)
    assert run["status"] == "complete"
    assert sorted(run["versions"]) == names
    assert len(run["scenarios"]) == 2 * 2 * len(names)
    for s in run["scenarios"]:
        assert s["status"] in ("ok", "thresholds_crossed"), s
        base = out / f"test-{s['test']}-results" / f"{s['service']}-{s['endpoint'].strip('/')}"
        doc = load_json(base.with_suffix(".json"))
        assert doc["scenario"]["status"] == s["status"]
        assert doc["limits"] == {
            "cpu_millicores": 500,
            "memory_bytes": 268435456,
            "enforced": True,
            "cgroup": doc["limits"]["cgroup"],
        }
        client = doc["client"]["metrics"]
        reqs = client["http_reqs"]["count"]
        assert reqs > 0
        server = doc["server"]
        assert server["scrapes"] >= 2
        # requests still in flight at the end are counted by the client only
        in_flight = max(client.get("vus_max", {}).get("value", 0), client.get("vus_max", {}).get("max", 0))
        delta = server["requests_total_delta"]
        assert 0 <= reqs - delta <= max(in_flight, 1), f"{base.name}: client {reqs} server {delta}"
        res = doc["resources"]
        for k in (
            "cpu_seconds",
            "nr_periods",
            "nr_throttled",
            "throttled_seconds",
            "throttled_share",
            "memory_peak_bytes",
            "oom_kills",
        ):
            assert isinstance(res[k], (int, float)) and not math.isnan(res[k]), f"{k} = {res[k]}"
        assert res["nr_periods"] > 0 and res["cpu_seconds"] > 0 and res["oom_kills"] == 0
        assert check_prom(base.with_suffix(".prom")) >= 2
        rows = check_csv(base.with_suffix(".csv"))
        assert any(r["cpu_cores"] for r in rows), f"{base.name}: no cgroup sample in the series"
        assert base.with_suffix(".txt").read_text().strip()
    check_real_report(out, run)
    assert not cgroup_dirs(run)
    assert not (out / ".tmp").exists()
    assert not own_processes(out, []), "processes of the run left after it ended"


def rep_fmt(v: float) -> str:
    """A figure as the report prints it (src/report_doc.c rep_fmt)."""
    a = abs(v)
    if a >= 100 or a == 0 or v == math.floor(v):
        return f"{v:.0f}"
    return f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3g}"


def check_real_report(out: Path, run: dict) -> None:
    """REPORT.md is `pocbench report`'s (not the runner's fallback table): the study's questions,
    and for every scenario a row whose req/s and p99 are the scenario document's; report.html
    is the self-contained page; run.json says the report was written."""
    assert run["report"] == {"status": "written", "exit_code": 0, "detail": None}, run["report"]
    md = (out / "REPORT.md").read_text()
    assert md.startswith("# poc-compare report\n"), md[:200]
    assert "## The study's questions" in md and "This is not the report" not in md
    for q in (
        "1. Which stack handles baseline HTTP traffic (/health) most efficiently?",
        "4. How do the stacks compare on JSON serialization (/json)?",
    ):
        assert f"### {q}" in md, q
    for s in run["scenarios"]:
        doc = load_json(out / s["files"][0])
        m = doc["client"]["metrics"]
        caption = f"*{s['test']} {s['endpoint']}: throughput and latency"
        table = md[md.index(caption) :].split("\n\n")[1]  # the caption, a blank line, the table
        row = next((r for r in table.splitlines() if r.startswith(f"| {s['service']} |")), None)
        assert row, f"no row for {s['service']} under {caption}:\n{table}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == rep_fmt(m["http_reqs"]["rate"]), (row, m["http_reqs"]["rate"])
        assert cells[6] == rep_fmt(m["http_req_duration"]["p(99)"]), (row, m["http_req_duration"])
    html = (out / "report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and len(html) > 100_000, len(html)
    assert "<script" in html and "</html>" in html.rstrip()[-20:]


def test_oom_kill_is_a_result_and_the_run_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "oom"
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(FIXTURE_APPS),
            "--services",
            "oom",
            "--endpoints",
            "/json,/health",
            "--tests",
            "load",
            "--scale",
            "0.03",
            "--warmup",
            "0",
            "--memory",
            "48Mi",
            "--no-verify",
            "--no-report",
            "--out",
            str(out),
        ],
        timeout=120,
    )
    print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 0, f"exit {p.returncode}"
    run = check_tree(out)
    by_ep = {s["endpoint"]: s for s in run["scenarios"]}
    assert by_ep["/json"]["status"] == "oom_killed", by_ep["/json"]
    assert "OOM" in by_ep["/json"]["failure"]
    doc = load_json(out / "test-load-results" / "oom-json.json")
    assert doc["resources"]["oom_kills"] >= 1
    assert doc["resources"]["memory_peak_bytes"] <= 48 * 2**20
    # the next scenario ran on a fresh service
    assert by_ep["/health"]["status"] in ("ok", "thresholds_crossed"), by_ep["/health"]
    assert not cgroup_dirs(run)
    # below --scale 0.5 without --capacity-step the capacity phase is skipped, and run.json says so
    assert run["capacity"]["status"] == "skipped" and "--capacity-step" in run["capacity"]["reason"]
    assert run["capacity"]["documents"] == [] and not (out / "capacity").exists()


def start_interruptible(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    """A run of three short scenarios on a tiny copy of its own; returns (runner, out, app)."""
    app = tiny_app(tmp_path / "apps")
    out = tmp_path / "intr"
    args = [
        "run",
        "--apps-dir",
        str(app.parent),
        "--services",
        "tiny",
        "--endpoints",
        "/health,/cpu,/io",
        "--tests",
        "load",
        "--scale",
        "0.05",
        "--warmup",
        "0",
        "--no-verify",
        "--no-report",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        [str(POCBENCH), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return proc, out, app


def wait_for_profile(proc: subprocess.Popen[str], out: Path, app: Path, scenario: str) -> None:
    """Until the profile of test-load-results/<scenario> runs: its `pocbench load` (found, like
    every leftover later, by own_processes) and its service are both up."""
    deadline = time.monotonic() + 90
    export = f"load-{scenario}.export.json"
    while time.monotonic() < deadline:
        procs = own_processes(out, [app])
        gens = [p for p in procs if " load " in p and export in p]
        services = [p for p in procs if "server.py" in p]
        if gens and services:
            return
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.1)
    pytest.fail(f"the profile of {scenario} did not start in 90 s")


def interrupt(proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    try:
        proc.send_signal(sig)
        rc = proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = proc.stdout.read() if proc.stdout else ""
    print(text)
    return rc, text


def check_nothing_left(out: Path, app: Path, run: dict) -> None:
    assert not cgroup_dirs(run), "cgroups left after the interrupt"
    # the generator runs in its own process group and the service in its own session: a
    # signal to the runner alone reaches neither, so only the runner can have stopped them
    left = own_processes(out, [app])
    assert not left, f"processes of the run left behind: {left}"
    assert not list(out.rglob("*.tmp.*")), "a torn temp file was left"
    assert not (out / ".tmp").exists()


def test_sigint_in_the_second_profile_leaves_nothing_and_resume_completes(tmp_path: Path) -> None:
    proc, out, app = start_interruptible(tmp_path)
    wait_for_profile(proc, out, app, "tiny-cpu")
    assert (out / "test-load-results" / "tiny-health.json").exists()
    rc, _ = interrupt(proc, signal.SIGINT)
    assert rc == 105
    run = load_json(out / "run.json")
    assert run["status"] == "interrupted"
    statuses = [s["status"] for s in run["scenarios"]]
    assert statuses[0] in ("ok", "thresholds_crossed") and statuses[1:] == ["planned", "planned"], statuses
    check_nothing_left(out, app, run)
    assert not (out / "test-load-results" / "tiny-cpu.json").exists()
    assert [x["status"] for x in run["sessions"]] == ["interrupted"]
    assert run["report"] is None

    p = run_pocbench(["run", "--resume", str(out)], timeout=120)
    print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 0
    run = check_tree(out)
    assert run["status"] == "complete"
    assert [s["status"] in ("ok", "thresholds_crossed") for s in run["scenarios"]] == [True] * 3
    assert not cgroup_dirs(run)
    assert not own_processes(out, [app])
    # the interruption stays on record: one session per invocation, the first one's start kept
    sessions = run["sessions"]
    assert [x["status"] for x in sessions] == ["interrupted", "complete"], sessions
    assert all(x["started"] and x["ended"] for x in sessions), sessions
    assert sessions[0]["started"] == run["started"] and sessions[1]["ended"] == run["ended"]
    assert sessions[0]["ended"] <= sessions[1]["started"]
    assert run["report"]["status"] == "skipped"


def test_sigterm_in_the_first_profile_leaves_nothing(tmp_path: Path) -> None:
    proc, out, app = start_interruptible(tmp_path)
    wait_for_profile(proc, out, app, "tiny-health")
    rc, text = interrupt(proc, signal.SIGTERM)
    assert rc == 105, text
    assert "interrupted; completed scenarios kept" in text
    run = load_json(out / "run.json")
    assert run["status"] == "interrupted"
    assert [s["status"] for s in run["scenarios"]] == ["planned"] * 3
    check_nothing_left(out, app, run)
    assert not list(out.glob("test-load-results/*")), "a file of the interrupted scenario"


def test_bad_options_exit_104_with_a_clear_message(tmp_path: Path) -> None:
    for args, words in [
        (["--cpu", "lots"], "--cpu"),
        (["--tests", "nosuch"], "nosuch.json"),
        (["--services", "nosuch"], "nosuch"),
        (["--scale", "-1"], "--scale"),
    ]:
        p = run_pocbench(["run", *args, "--out", str(tmp_path / "x")], timeout=30)
        assert p.returncode == 104, (args, p.stderr)
        assert words in p.stderr, (args, p.stderr)


@pytest.mark.parametrize(
    "endpoints,words",
    [
        ("/nope", "'/nope' is not an endpoint"),
        ("/health,/metrics", "'/metrics' is not an endpoint"),
        ("/health,health", "/health is listed twice"),
        ("/health,,/cpu", "empty item"),
        ("", "empty item"),
    ],
)
def test_endpoints_outside_the_contract_are_refused(tmp_path: Path, endpoints: str, words: str) -> None:
    out = tmp_path / "x"
    p = run_pocbench(["run", "--endpoints", endpoints, "--out", str(out)], timeout=30)
    assert p.returncode == 104, p.stdout + p.stderr
    assert words in p.stderr and "/health,/cpu,/io,/json" in p.stderr, p.stderr
    assert not out.exists()


def test_endpoints_without_slash_and_the_dry_run_plan(tmp_path: Path) -> None:
    base = [
        "run",
        "--apps-dir",
        str(FIXTURE_APPS),
        "--services",
        "tiny",
        "--tests",
        "load",
        "--dry-run",
        "--out",
        str(tmp_path / "x"),
    ]
    p = run_pocbench([*base, "--endpoints", "json, cpu"], timeout=30)
    assert p.returncode == 0, p.stderr
    assert "test-load-results/tiny-json " in p.stdout and "test-load-results/tiny-cpu " in p.stdout
    # the planned length is rounded, and the capacity phase after the study is announced
    m = re.search(r"planned length about (\S+) ", p.stdout)
    assert m and re.fullmatch(r"(\d+h)?(\d+m)?\d+(\.\d)?s", m.group(1)), p.stdout
    assert re.search(
        r"\+ capacity phase after the study, about \d+-\d+ min \(1 contender x 2 "
        r"endpoints: .*\); --no-capacity skips it",
        p.stdout,
    ), p.stdout
    p = run_pocbench([*base, "--endpoints", "/json", "--no-capacity"], timeout=30)
    assert "no capacity phase (--no-capacity)" in p.stdout and "+ capacity" not in p.stdout
    p = run_pocbench([*base, "--endpoints", "/json", "--scale", "0.1"], timeout=30)
    assert "no capacity phase (below --scale 0.5" in p.stdout, p.stdout
    p = run_pocbench([*base, "--endpoints", "/json", "--scale", "0.1", "--capacity-step", "1s"], timeout=30)
    assert re.search(r"\+ capacity phase after the study, .* steps of 1s each\)", p.stdout), p.stdout
    p = run_pocbench([*base, "--no-capacity", "--capacity-step", "1s"], timeout=30)
    assert p.returncode == 104 and "--capacity-step" in p.stderr, p.stderr
    assert not (tmp_path / "x").exists()


def test_version() -> None:
    for flag in ("--version", "-V"):
        p = run_pocbench([flag], timeout=10)
        assert p.returncode == 0, p.stderr
        first, libs = p.stdout.splitlines()[:2]
        assert re.fullmatch(r"pocbench \S+", first), first
        for lib in ("libyajl", "OpenSSL", "http-parser"):
            assert lib in libs, libs
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if git.returncode == 0:
        # built from this checkout: the description names a commit (maybe an older one)
        assert first != "pocbench unknown", first


def test_cpu_above_the_online_cpus_versions_once_and_the_final_csv_named(tmp_path: Path) -> None:
    """One short scenario on a copy of the tiny fixture whose versions_cmd repeats a declared
    key (with another value) and names a key the runner uses itself."""
    app = tmp_path / "apps" / "tiny"
    app.mkdir(parents=True)
    (app / "service.conf").write_text(
        "name = tiny\nlanguage = python\ndescription = tiny copy\n"
        f"start = exec python3 {FIXTURE_APPS / 'oom' / 'server.py'}\nenv = ALLOC_MB=0\n"
        "health = /health\nversion.fixture = 1\nversion.same = 7\n"
        "versions_cmd = printf 'fixture=2\\nsame=7\\nstart=oops\\nmeasured=yes\\nfixture=3\\n'\n"
    )
    ncpu = os.cpu_count() or 1
    out = tmp_path / "cpu"
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(tmp_path / "apps"),
            "--services",
            "tiny",
            "--endpoints",
            "health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--no-verify",
            "--no-report",
            "--cpu",
            f"{ncpu * 1000 + 500}m",
            "--out",
            str(out),
        ],
        timeout=120,
    )
    print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("warning") == 1 and "no CPU limit" in p.stderr, p.stderr
    run = check_tree(out)
    assert run["limits"]["cpu_limit_effective"] is False and run["limits"]["cpus_online"] == ncpu
    v = run["versions"]["tiny"]  # load_json already refused a key given twice
    assert v["fixture"] == "3" and v["fixture.declared"] == "1", v
    assert v["same"] == "7" and "same.declared" not in v, v
    assert v["start"].startswith("exec python3") and v["version.start"] == "oops", v
    assert v["measured"] == "yes", v
    assert [x["status"] for x in run["sessions"]] == ["complete"]
    # the .txt is the generator's summary, naming the CSV as it is in the tree
    txt = (out / "test-load-results" / "tiny-health.txt").read_text()
    assert "output: csv (test-load-results/tiny-health.csv)" in txt, txt[:800]
    assert ".tmp" not in txt
    # progress lines: elapsed and ETA rounded (0.1 s below a minute, whole seconds above)
    dur = r"(\d+h)?(\d+m)?\d+(\.\d)?s"
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("scenario 1 of 1")]
    assert lines and all(re.search(rf"elapsed {dur}, ETA {dur}\)", ln) for ln in lines), lines


def test_contender_failing_verify_is_not_measured(tmp_path: Path) -> None:
    out = tmp_path / "unverified"
    tmp = tmp_path / "tmpdir"  # $TMPDIR: where a service log would be left behind
    tmp.mkdir()
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(FIXTURE_APPS),
            "--services",
            "broken",
            "--endpoints",
            "/health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--capacity-step",  # the capacity phase would run at this scale: verify gates it too
            "1s",
            "--out",
            str(out),
        ],
        timeout=180,
        env={"TMPDIR": str(tmp)},
    )
    print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "FAIL start broken" in p.stdout and "not measuring broken" in p.stdout
    run = load_json(out / "run.json")
    assert run["verify"]["broken"]["passed"] is False
    st = {s["service"]: s for s in run["scenarios"]}
    assert st["broken"]["status"] == "not_verified"
    assert "exited with status 3" in st["broken"]["failure"]
    assert not (out / "test-load-results" / "broken-health.json").exists()
    assert "capacity: broken left out (it failed pocbench verify)" in p.stdout, p.stdout
    assert "breaking points skipped: no contender passed pocbench verify" in p.stdout, p.stdout
    assert run["capacity"]["status"] == "skipped", run["capacity"]
    assert run["capacity"]["reason"] == "no contender passed pocbench verify", run["capacity"]
    assert not (out / "capacity").exists() and not (out / "sweep").exists()
    # nothing was measured, so `pocbench report` has no document and fails: the runner's
    # stand-in table says what it is, on stderr, in run.json and at its own top
    assert run["report"]["status"] == "fallback" and run["report"]["exit_code"] == 1, run["report"]
    assert "WARNING: THE REPORT FAILED" in p.stderr and 'report.status "fallback"' in p.stderr, p.stderr
    md = (out / "REPORT.md").read_text()
    assert md.startswith("# poc-compare results: unverified\n\n**This is not the report.**"), md[:300]
    assert "| load | broken | /health | not_verified |" in md, md
    assert not (out / "report.html").exists()
    # verify keeps a failed service's log; the runner has it kept in its work dir, then removed
    assert not list(tmp.iterdir()), list(tmp.iterdir())
    assert not (out / ".tmp").exists()


def test_no_limits_pin_and_a_variant_whose_env_reaches_its_versions(tmp_path: Path) -> None:
    """--no-limits --pin on a tiny copy with a variant: no cgroup anywhere and every document
    says so; versions_cmd runs with the service's environment (descriptor env, then the
    variant's) and the service's CPUs, so each variant records what it really runs with."""
    app = tiny_app(
        tmp_path / "apps",
        extra=(
            "env = FIXTURE_PROCS=descriptor\n"
            "versions_cmd = echo procs=${FIXTURE_PROCS:-unset}; "
            "sed -n 's/^Cpus_allowed_list:[[:space:]]*/cpus=/p' /proc/self/status\n"
            "[variant one]\nenv = FIXTURE_PROCS=1\n[variant unplanned]\nenv = FIXTURE_PROCS=2\n"
        ),
    )
    out = tmp_path / "nolimits"
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(app.parent),
            "--services",
            "tiny,tiny@one",
            "--endpoints",
            "/health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--no-verify",
            "--no-report",
            "--no-limits",
            "--pin",
            "--out",
            str(out),
        ],
        timeout=120,
        env={"FIXTURE_PROCS": "runner"},
    )
    print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 0, p.stderr
    assert "limits: none (--no-limits)" in p.stdout and "placement: pinned" in p.stdout, p.stdout
    run = check_tree(out, limits=False)
    assert run["limits"]["enforced"] is False and run["limits"]["cpu_millicores"] is None, run["limits"]
    assert run["limits"]["memory_bytes"] is None and run["limits"]["cpu_limit_effective"] is None
    assert "paths" not in run["cgroup"]
    groups = list(Path("/sys/fs/cgroup").glob(f"*/poc-compare/{run['run_id']}"))
    groups += list(Path("/sys/fs/cgroup").glob(f"poc-compare/{run['run_id']}"))
    assert not groups, groups
    assert [s["service"] for s in run["scenarios"]] == ["tiny", "tiny@one"]
    for s in run["scenarios"]:
        assert s["status"] in ("ok", "thresholds_crossed"), s
        doc = load_json(out / s["files"][0])
        assert doc["limits"] == {"cpu_millicores": None, "memory_bytes": None, "enforced": False, "cgroup": None}, doc[
            "limits"
        ]
        assert all(doc["resources"][k] is None for k in ("cpu_seconds", "nr_periods", "memory_peak_bytes", "oom_kills"))
        assert doc["client"]["metrics"]["http_reqs"]["count"] > 0
        assert doc["harness"]["service_cpus"] == run["placement"]["service_cpus"]
    pinned = run["placement"]["service_cpus"]
    assert run["placement"]["mode"] == "pinned" and pinned == str((os.cpu_count() or 2) - 1), run["placement"]
    v = run["versions"]["tiny"]
    assert v["procs"] == "descriptor" and v["cpus"] == pinned, v
    assert v["variants"]["one"]["versions"] == {"procs": "1", "cpus": pinned}, v["variants"]
    assert "versions" not in v["variants"]["unplanned"], v["variants"]  # not run, not measured


def test_unhealthy_and_crashing_services_are_results_and_a_report_without_assets_is_partial(tmp_path: Path) -> None:
    """never (listens nowhere) and crashy (exits on its 30th request), /json then /health: the
    health timeout names the contender with its stderr's tail, the crash is the scenario's
    result with its exit status and log, and every later scenario still runs on a fresh
    service. POCBENCH_ROOT points where no report assets are, so `pocbench report` writes
    REPORT.md and then fails on report.html: the real REPORT.md stays and the run says so."""
    fake_root = tmp_path / "root"  # no build/report-assets
    fake_root.mkdir()
    out = tmp_path / "failures"
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(FIXTURE_APPS),
            "--profiles-dir",
            str(ROOT / "profiles"),
            "--services",
            "crashy,never",
            "--endpoints",
            "/json,/health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--health-timeout",
            "2s",
            "--no-verify",
            "--no-capacity",
            "--out",
            str(out),
        ],
        timeout=120,
        env={"POCBENCH_ROOT": str(fake_root)},
    )
    print(p.stdout[-4000:], p.stderr[-3000:], sep="\n")
    assert p.returncode == 0, p.stderr  # failure modes are results, not harness errors
    run = check_tree(out, git=False)
    st = {(s["service"], s["endpoint"]): s for s in run["scenarios"]}
    crash = st[("crashy", "/json")]
    assert crash["status"] == "crashed", crash
    assert "exited with status 3" in crash["failure"], crash["failure"]
    assert re.search(r"service log tail:\ncrashy: giving up after \d+ requests", crash["failure"]), crash["failure"]
    doc = load_json(out / "test-load-results" / "crashy-json.json")
    assert doc["scenario"]["status"] == "crashed"
    assert 30 <= doc["client"]["metrics"]["http_reqs"]["count"], doc["client"]["metrics"]["http_reqs"]
    assert st[("crashy", "/health")]["status"] in ("ok", "thresholds_crossed"), st[("crashy", "/health")]
    for ep in ("/json", "/health"):
        never = st[("never", ep)]
        assert never["status"] == "unhealthy", never
        assert never["failure"].startswith(
            "never did not become healthy on /health: no 200 from " "/health within 2.0 s"
        ), never["failure"]
        assert "still waiting for a database that is not there" in never["failure"], never["failure"]
    assert "scenario 2 of 4: load never /json: unhealthy" in p.stdout
    assert not cgroup_dirs(run)
    assert not own_processes(out, [FIXTURE_APPS / "never", FIXTURE_APPS / "crashy"])
    # the report: REPORT.md written by `pocbench report` (kept), report.html not
    assert run["report"]["status"] == "partial" and run["report"]["exit_code"] == 1, run["report"]
    assert "WARNING: THE REPORT FAILED" in p.stderr and "report.html was not written" in p.stderr
    md = (out / "REPORT.md").read_text()
    assert md.startswith("# poc-compare report\n") and "This is not the report" not in md, md[:300]
    assert not (out / "report.html").exists()


def test_capacity_step_runs_the_capacity_phase_after_a_tiny_study(tmp_path: Path) -> None:
    """--scale 0.02 would skip the capacity phase; --capacity-step 1s runs it, on a contender of
    known capacity (tests/capacity/queue_server.py at N = 200 req/s, serialized, so it needs far
    less than its 500m): capacity/ and sweep/ documents in the tree, the phase in run.json, the
    breaking points in REPORT.md, and nothing of the run left afterwards."""
    n = 200
    app = tmp_path / "apps" / "queue"
    app.mkdir(parents=True)
    (app / "service.conf").write_text(
        "name = queue\nlanguage = python\ndescription = queue_server.py for one test\n"
        f"start = exec python3 {ROOT / 'tests' / 'capacity' / 'queue_server.py'} --rate {n} --port $PORT\n"
        "health = /health\n"
    )
    out = tmp_path / "cap"
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [
            str(POCBENCH),
            "run",
            "--apps-dir",
            str(app.parent),
            "--services",
            "queue",
            "--endpoints",
            "/health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--no-verify",
            "--capacity-step",
            "1s",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        text, _ = proc.communicate(timeout=150)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(text[-4000:], f"took {time.monotonic() - t0:.0f}s", sep="\n")
    assert proc.returncode == 0, f"exit {proc.returncode}"
    assert "breaking points skipped" not in text and "steps from 50 req/s" in text, text[-2000:]
    run = check_tree(out)
    assert run["capacity"] == {
        "status": "complete",
        "reason": None,
        "step_seconds": 1,
        "warmup_seconds": 1,
        "exit_code": 0,
        "documents": ["capacity/queue-health.json", "sweep/queue-health.json"],
    }, run["capacity"]
    cap = load_json(out / "capacity" / "queue-health.json")
    assert cap["mode"] == "managed" and cap["step_seconds"] == 1, cap
    assert cap["limits"] == {"cpu_millicores": 500, "memory_bytes": 268435456, "enforced": True}
    assert cap["limited_by"] == "slo" and abs(cap["capacity_rps"] - n) <= 0.2 * n, cap["verdict"]
    sweep = load_json(out / "sweep" / "queue-health.json")
    assert [p["connections"] for p in sweep["points"]] == [1, 4, 16, 64, 256], sweep["points"]
    # REPORT.md was written again after the phase, with its breaking points
    md = (out / "REPORT.md").read_text()
    assert md.startswith("# poc-compare report\n"), md[:200]
    part = md[md.index("## Breaking points (capacity)") :]
    row = f"| queue | /health | {rep_fmt(cap['capacity_rps'])} | p99 < 100 ms, failures < 1% | slo |"
    assert row in part.split("\n## ")[0], part[:1500]
    assert "## Concurrency sweep" in md and "| queue | /health | 256 |" in md
    assert not cgroup_dirs(run)
    groups = [Path(b) / "poc-compare" / f"capacity-{proc.pid}" for b in run["cgroup"]["paths"].values()]
    assert not [g for g in groups if g.exists()], groups
    assert not (out / ".tmp-capacity").exists() and not (out / ".tmp").exists()
    assert not own_processes(out, [app]), "processes of the run left after it ended"


def test_metrics_are_scraped_every_5s_during_a_profile(tmp_path: Path) -> None:
    """The other tests' profiles last under 5 s at --scale 0.02, so only the scrapes before and
    after run; an 11-s profile against the C contender shows the 5-s interval: scrapes at 0, 5
    and 10 s and one at the end, each a complete exposition whose request counter rises."""
    prof = tmp_path / "profiles"
    prof.mkdir()
    (prof / "scrape.json").write_text('{"vus": 2, "duration": "11s", "sleep": "100ms"}\n')
    out = tmp_path / "scrape"
    p = run_pocbench(
        [
            "run",
            "--profiles-dir",
            str(prof),
            "--services",
            "c",
            "--endpoints",
            "/health",
            "--tests",
            "scrape",
            "--warmup",
            "0",
            "--no-capacity",
            "--no-report",
            "--out",
            str(out),
        ],
        timeout=120,
    )
    print(p.stdout[-2000:], p.stderr[-2000:], sep="\n")
    assert p.returncode == 0, p.stderr
    prom = out / "test-scrape-results" / "c-health.prom"
    assert check_prom(prom) >= 4
    times, totals, total = [], [], None
    for line in prom.read_text().splitlines() + ["# pocbench-scrape end"]:
        if line.startswith("# pocbench-scrape"):
            if times:
                totals.append(total)
            m = re.search(r"t_s=([0-9.]+)", line)
            if m:
                times.append(float(m.group(1)))
            total = None
        elif line.startswith("http_requests_total{") and 'handler="/health"' in line:
            total = float(line.rsplit(" ", 1)[1])
    assert times[:3] == [0.0, 5.0, 10.0], times
    assert 11.0 <= times[-1] < 12.0 and len(times) == 4, times
    assert all(t is not None for t in totals[1:]), totals
    assert totals[1] < totals[2] < totals[3], totals  # the counter rose between scrapes


def test_repeat_runs_each_scenario_n_times_interleaved_across_contenders(tmp_path: Path) -> None:
    """--repeat 2 with two contenders: four documents named .r1/.r2, and the runs interleaved
    (alpha r1, beta r1, alpha r2, beta r2) so that drift over the run hits both alike."""
    apps = tmp_path / "apps"
    tiny_app(apps, "alpha")
    tiny_app(apps, "beta")
    out = tmp_path / "repeat"
    p = run_pocbench(
        [
            "run",
            "--apps-dir",
            str(apps),
            "--services",
            "alpha,beta",
            "--endpoints",
            "/health",
            "--tests",
            "load",
            "--scale",
            "0.02",
            "--warmup",
            "0",
            "--repeat",
            "2",
            "--no-verify",
            "--no-capacity",
            "--no-report",
            "--out",
            str(out),
        ],
        timeout=120,
    )
    print(p.stdout[-2000:], p.stderr[-2000:], sep="\n")
    assert p.returncode == 0, p.stderr
    docs = {}
    for svc in ("alpha", "beta"):
        for k in (1, 2):
            d = load_json(out / "test-load-results" / f"{svc}-health.r{k}.json")
            assert d["scenario"]["repeat"] == k and d["scenario"]["status"] == "ok", d["scenario"]
            docs[(svc, k)] = d["scenario"]
    assert not (out / "test-load-results" / "alpha-health.json").exists()
    order = [("alpha", 1), ("beta", 1), ("alpha", 2), ("beta", 2)]
    for a, b in zip(order, order[1:], strict=False):
        assert docs[a]["ended"] <= docs[b]["started"], (a, docs[a], b, docs[b])
    run = load_json(out / "run.json")
    assert [(s["service"], s["repeat"]) for s in run["scenarios"]] == order, run["scenarios"]


def test_sigint_in_the_capacity_phase_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C while the capacity search runs after the study: exit 105, the phase recorded as
    interrupted, the study's results kept, and no service, generator, cgroup or temp dir left."""
    app = tiny_app(tmp_path / "apps")
    out = tmp_path / "capint"
    log = tmp_path / "run.log"
    with open(log, "w") as f:
        proc = subprocess.Popen(
            [
                str(POCBENCH),
                "run",
                "--apps-dir",
                str(app.parent),
                "--services",
                "tiny",
                "--endpoints",
                "/health",
                "--tests",
                "load",
                "--scale",
                "0.02",
                "--warmup",
                "0",
                "--no-verify",
                "--no-report",
                "--capacity-step",
                "1s",
                "--out",
                str(out),
            ],
            cwd=ROOT,
            stdout=f,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and "steps from" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
            assert "steps from" in log.read_text(), "the capacity search did not start in 90 s"
            time.sleep(1.5)  # inside a step: its service and load are running
            assert own_processes(out, [app]), "no service of the capacity phase is running"
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=40)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    print(text[-3000:])
    assert rc == 105, text[-2000:]
    run = load_json(out / "run.json")
    assert run["capacity"]["status"] == "interrupted", run["capacity"]
    assert [s["status"] for s in run["scenarios"]] in (["ok"], ["thresholds_crossed"]), run["scenarios"]
    assert (out / "test-load-results" / "tiny-health.json").exists()
    assert not cgroup_dirs(run)
    groups = [Path(b) / "poc-compare" / f"capacity-{proc.pid}" for b in run["cgroup"]["paths"].values()]
    assert not [g for g in groups if g.exists()], groups
    assert not own_processes(out, [app]), "processes of the capacity phase left behind"
    assert not (out / ".tmp-capacity").exists() and not (out / ".tmp").exists()
    assert not list(out.rglob("*.tmp.*")), "a torn temp file was left"
