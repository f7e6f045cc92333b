"""Launcher: runs app.main:app on $HOST:$PORT with Uvicorn, or with Gunicorn when
UVICORN_WORKERS > 1, with the event loop and HTTP parser pinned rather than auto-detected.

Uvicorn picks uvloop and httptools by itself whenever they are importable; the venv holds them
for [variant fast], so the default pins asyncio + h11 (what `pip install fastapi uvicorn`
gives) and the variant asks for uvloop + httptools explicitly. One process is Uvicorn alone, as
in the study; several are Gunicorn's arbiter with Uvicorn workers, the multiprocess Prometheus
registry in a fresh temporary directory, removed at exit.

Environment: HOST (127.0.0.1), PORT (8080), UVICORN_WORKERS (1), UVICORN_LOOP (asyncio|uvloop),
UVICORN_HTTP (h11|httptools), APP_JSON (std|orjson, read by the app). No access log in any mode.
SIGTERM: stop accepting, finish in-flight requests, exit 0. `serve.py --versions` prints the
settings in effect and the interpreter as key=value lines instead of serving.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from typing import Any

LOOPS = ("asyncio", "uvloop")
HTTPS = ("h11", "httptools")
KEEPALIVE_S = 5  # Uvicorn's own default; Gunicorn's (2 s) would otherwise override it


class ConfigError(Exception):
    pass


def settings(env: dict[str, str]) -> dict[str, Any]:
    """The validated launch settings from the environment (ConfigError names what is wrong)."""
    host = env.get("HOST", "127.0.0.1")
    port_s = env.get("PORT", "8080")
    workers_s = env.get("UVICORN_WORKERS", "1")
    loop = env.get("UVICORN_LOOP", "asyncio")
    http = env.get("UVICORN_HTTP", "h11")
    if not port_s.isdigit() or not 0 < int(port_s) < 65536:
        raise ConfigError(f"PORT must be a TCP port number (1-65535), not {port_s!r}")
    if not workers_s.isdigit() or int(workers_s) < 1:
        raise ConfigError(f"UVICORN_WORKERS must be a whole number >= 1, not {workers_s!r}")
    if loop not in LOOPS:
        raise ConfigError(f"UVICORN_LOOP must be one of {', '.join(LOOPS)}, not {loop!r}")
    if http not in HTTPS:
        raise ConfigError(f"UVICORN_HTTP must be one of {', '.join(HTTPS)}, not {http!r}")
    json = env.get("APP_JSON", "std")
    if json not in ("std", "orjson"):
        raise ConfigError(f"APP_JSON must be std or orjson, not {json!r}")
    return {
        "host": host,
        "port": int(port_s),
        "workers": int(workers_s),
        "loop": loop,
        "http": http,
        "json": json,
    }


def _quiet_exit(signum: int, frame: object) -> None:
    """Uvicorn re-raises the signal that stopped it once it has drained; landing here instead of
    in SIG_DFL (death by signal) or KeyboardInterrupt lets the process exit 0."""


def run_uvicorn(s: dict[str, Any]) -> int:
    import uvicorn

    signal.signal(signal.SIGTERM, _quiet_exit)
    signal.signal(signal.SIGINT, _quiet_exit)
    config = uvicorn.Config(
        "app.main:app",
        host=s["host"],
        port=s["port"],
        loop=s["loop"],
        http=s["http"],
        access_log=False,
        timeout_keep_alive=KEEPALIVE_S,
        log_level="info",
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def run_gunicorn(s: dict[str, Any]) -> int:
    from gunicorn.app.base import BaseApplication

    # Before prometheus_client is imported anywhere in this process: it picks its value store
    # (per-process files or memory) at import, and the workers are forks of this process.
    metrics_dir = tempfile.mkdtemp(prefix="poc-fastapi-prom-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    from prometheus_client import multiprocess

    class Application(BaseApplication):
        def load_config(self) -> None:
            host = s["host"]
            bind = f"[{host}]:{s['port']}" if ":" in host else f"{host}:{s['port']}"
            self.cfg.set("bind", [bind])
            self.cfg.set("workers", s["workers"])
            self.cfg.set("worker_class", "app.worker.PinnedWorker")
            self.cfg.set("keepalive", KEEPALIVE_S)
            self.cfg.set("accesslog", None)
            self.cfg.set("proc_name", "poc-fastapi")
            self.cfg.set(
                "child_exit", lambda arbiter, worker: multiprocess.mark_process_dead(worker.pid)
            )

        def load(self) -> Any:
            from app.main import app

            return app

    # read by app.worker when Gunicorn imports it
    os.environ["UVICORN_LOOP"] = s["loop"]
    os.environ["UVICORN_HTTP"] = s["http"]
    try:
        Application().run()  # exits via SystemExit with the arbiter's status
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def print_versions(s: dict[str, Any]) -> None:
    """key=value lines for the results (service.conf versions_cmd): what the pins do not say."""
    import hashlib
    import platform

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "requirements.lock"), "rb") as f:
        lock = hashlib.sha256(f.read()).hexdigest()
    print(f"python={platform.python_version()}")
    print(f"python.implementation={platform.python_implementation()}")
    print(f"server={'uvicorn' if s['workers'] == 1 else 'gunicorn+uvicorn-workers'}")
    print(f"workers={s['workers']}")
    print(f"uvicorn.loop={s['loop']}")
    print(f"uvicorn.http={s['http']}")
    print(f"json={s['json']}")
    print(f"requirements.lock.sha256={lock}")


def main(argv: list[str]) -> int:
    try:
        s = settings(dict(os.environ))
    except ConfigError as e:
        print(f"fastapi: {e}", file=sys.stderr)
        return 2
    if argv[1:] == ["--versions"]:
        print_versions(s)
        return 0
    if argv[1:]:
        print("usage: serve.py [--versions]  (settings: environment)", file=sys.stderr)
        return 2
    server = "uvicorn" if s["workers"] == 1 else "gunicorn+uvicorn-workers"
    print(
        f"fastapi: serving on {s['host']}:{s['port']} server={server} workers={s['workers']} "
        f"loop={s['loop']} http={s['http']} json={s['json']} python={sys.version.split()[0]}",
        file=sys.stderr,
        flush=True,
    )
    if s["workers"] == 1:
        return run_uvicorn(s)
    return run_gunicorn(s)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
