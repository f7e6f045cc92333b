"""The FastAPI contender: the endpoint contract of DESIGN.md section 2 as a FastAPI app.

Each handler is written the way a FastAPI service usually is, because the study measures the
platform's usual path, not a tuned one: /json returns a dict (FastAPI serializes it with its
response class), /cpu is an `async def` that hashes on the event loop (it blocks the loop, as
the study intends), /io awaits asyncio.sleep. Metrics come from
prometheus-fastapi-instrumentator, configured to the contract's names, labels and buckets
instead of its defaults (which add size metrics and use 0.1/0.5/1 buckets).
Under Gunicorn with several workers (serve.py sets PROMETHEUS_MULTIPROC_DIR), /metrics merges
the workers' files and reports process_* for the whole process tree, since a single worker's
own figures would understate the service.
"""

from __future__ import annotations

import asyncio
import hashlib
import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_fastapi_instrumentator import Instrumentator, metrics

from app.proctree import ProcessTreeCollector

# The study's buckets (seconds); +Inf is appended by the histogram.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

CPU_ROUNDS = 100
CPU_BLOCK = bytes(i % 251 for i in range(4096))
IO_SLEEP_S = 0.05
JSON_ITEMS = 5000

# The Go client emits no *_created series in the text format; keep the exposition alike.
disable_created_metrics()


def json_response_class() -> type[Response]:
    """JSONResponse (FastAPI's default), or ORJSONResponse when APP_JSON=orjson."""
    choice = os.environ.get("APP_JSON", "std")
    if choice == "std":
        return JSONResponse
    if choice == "orjson":
        from fastapi.responses import ORJSONResponse

        return ORJSONResponse
    raise ValueError(f"APP_JSON must be 'std' or 'orjson', not {choice!r}")


def cpu_digest() -> str:
    d = b""
    for _ in range(CPU_ROUNDS):
        d = hashlib.sha256(d + CPU_BLOCK).digest()
    return d.hex()


def create_app() -> FastAPI:
    """The app. One per process: the instrumentator registers its metrics in the global
    registry, and a second app in the same process would find them taken."""
    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=json_response_class(),
    )

    @app.get("/health", response_class=PlainTextResponse, response_model=None)
    async def health() -> str:
        return "ok"

    # response_model=None: the hints must not turn into a pydantic response model; the study's
    # handlers return plain dicts, which FastAPI passes through jsonable_encoder to the class.
    @app.get("/cpu", response_model=None)
    async def cpu() -> dict[str, object]:
        return {"iterations": CPU_ROUNDS, "sha256": cpu_digest()}

    @app.get("/io", response_model=None)
    async def io() -> dict[str, object]:
        await asyncio.sleep(IO_SLEEP_S)
        return {"slept_ms": 50}

    @app.get("/json", response_model=None)
    async def json_() -> dict[str, object]:
        return {"name": "benchmark", "value": 42, "data": list(range(JSON_ITEMS))}

    instrumentator = Instrumentator(
        should_group_status_codes=True,
        should_ignore_untemplated=False,
        should_group_untemplated=True,
        should_instrument_requests_inprogress=True,
        inprogress_name="http_requests_inprogress",
        inprogress_labels=True,
        # matched against the route template, or the raw path when nothing matched
        excluded_handlers=["^/metrics$"],
    )
    instrumentator.add(
        metrics.requests(
            metric_name="http_requests_total",
            should_include_handler=True,
            should_include_method=True,
            should_include_status=True,
        ),
        metrics.latency(
            metric_name="http_request_duration_seconds",
            should_include_handler=True,
            should_include_method=True,
            should_include_status=False,
            buckets=BUCKETS,
        ),
    )
    instrumentator.instrument(app)

    multiproc = "PROMETHEUS_MULTIPROC_DIR" in os.environ

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        registry = REGISTRY
        if multiproc:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(ProcessTreeCollector(os.getppid()))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


app = create_app()
