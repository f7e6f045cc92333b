"""The endpoint contract (DESIGN.md section 2) against the ASGI app itself, in process.

The app is one per process (its metrics live in the global registry), so the metrics tests read
differences between two scrapes rather than absolute values.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, ORJSONResponse
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import BUCKETS, app, json_response_class
from app.proctree import ProcessTreeCollector

CPU_HEX = "c2f5b53d4db4231cfb9d6b3eb008c8882c78ebeb200a829bafa415933267bb60"
JSON_SHA256 = "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5"
CONTRACT_BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1.0",
                   "2.5", "5.0", "7.5", "10.0", "+Inf"]  # fmt: skip


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def scrape(client: TestClient) -> dict[str, object]:
    r = client.get("/metrics")
    assert r.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def sample(families: dict[str, object], name: str, sample_name: str, **labels: str) -> float:
    fam = families.get(name)
    if fam is None:
        return 0.0
    for s in fam.samples:  # type: ignore[attr-defined]
        if s.name == sample_name and s.labels == labels:
            return s.value
    return 0.0


def requests_total(families: dict[str, object], handler: str, status: str = "2xx") -> float:
    return sample(
        families, "http_requests", "http_requests_total", handler=handler, method="GET",
        status=status,
    )  # fmt: skip


def test_health_is_plain_ok(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "text/plain"
    assert r.content == b"ok"
    assert r.headers["content-length"] == "2"


def test_cpu_exact_body_and_digest_matches_independent_computation(client: TestClient) -> None:
    buf = bytes(i % 251 for i in range(4096))
    d = b""
    for _ in range(100):
        d = hashlib.sha256(d + buf).digest()
    assert d.hex() == CPU_HEX
    r = client.get("/cpu")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == b'{"iterations":100,"sha256":"' + CPU_HEX.encode() + b'"}'


def test_io_exact_body_and_waits_50ms(client: TestClient) -> None:
    t0 = time.perf_counter()
    r = client.get("/io")
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == b'{"slept_ms":50}'
    assert elapsed >= 0.049


def test_io_does_not_serialize_50_concurrent_requests() -> None:
    async def go() -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            t0 = time.perf_counter()
            rs = await asyncio.gather(*[c.get("/io") for _ in range(50)])
            elapsed = time.perf_counter() - t0
        assert all(r.status_code == 200 for r in rs)
        return elapsed

    # serialized, 50 x 50 ms would be 2.5 s; concurrent is ~50 ms plus overhead
    assert asyncio.run(go()) < 1.0


def test_json_exact_bytes(client: TestClient) -> None:
    r = client.get("/json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert len(r.content) == 23930
    assert r.headers["content-length"] == "23930"
    assert hashlib.sha256(r.content).hexdigest() == JSON_SHA256
    assert r.content.startswith(b'{"name":"benchmark","value":42,"data":[0,1,2,')
    assert r.content.endswith(b",4998,4999]}")
    assert list(json.loads(r.content)) == ["name", "value", "data"]


def test_json_orjson_class_renders_the_same_bytes() -> None:
    payload = jsonable_encoder({"name": "benchmark", "value": 42, "data": list(range(5000))})
    std = JSONResponse(payload).body
    fast = ORJSONResponse(payload).body
    assert fast == std
    assert hashlib.sha256(fast).hexdigest() == JSON_SHA256


def test_json_response_class_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_JSON", "orjson")
    assert json_response_class() is ORJSONResponse
    monkeypatch.setenv("APP_JSON", "std")
    assert json_response_class() is JSONResponse
    monkeypatch.setenv("APP_JSON", "ujson")
    with pytest.raises(ValueError, match="APP_JSON"):
        json_response_class()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/nope", "/health/x", "/docs", "/openapi.json", "/redoc"])
def test_unknown_paths_are_404(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 404


def test_metrics_content_type_and_required_families(client: TestClient) -> None:
    client.get("/health")
    r = client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = {f.name: f.type for f in text_string_to_metric_families(r.text)}
    assert fams["http_requests"] == "counter"
    assert fams["http_request_duration_seconds"] == "histogram"
    assert fams["http_requests_inprogress"] == "gauge"
    assert fams["process_cpu_seconds"] == "counter"
    assert fams["process_resident_memory_bytes"] == "gauge"
    # no *_created series: the Go client does not emit them either
    assert "_created" not in r.text


def test_metrics_exact_buckets_and_labels(client: TestClient) -> None:
    client.get("/json")
    fams = scrape(client)
    bounds = [
        s.labels["le"]
        for s in fams["http_request_duration_seconds"].samples  # type: ignore[attr-defined]
        if s.name.endswith("_bucket") and s.labels["handler"] == "/json"
    ]
    assert bounds == CONTRACT_BOUNDS
    assert [float(b) for b in bounds[:-1]] == [float(b) for b in BUCKETS]
    for s in fams["http_request_duration_seconds"].samples:  # type: ignore[attr-defined]
        assert set(s.labels) - {"le"} == {"method", "handler"}
    for s in fams["http_requests"].samples:  # type: ignore[attr-defined]
        assert set(s.labels) == {"method", "handler", "status"}
        assert s.labels["status"] in ("2xx", "4xx", "5xx")
    for s in fams["http_requests_inprogress"].samples:  # type: ignore[attr-defined]
        assert set(s.labels) == {"method", "handler"}


@pytest.mark.parametrize("path", ["/health", "/cpu", "/io", "/json"])
def test_counter_and_histogram_rise_by_exactly_n(client: TestClient, path: str) -> None:
    n = 7
    before = scrape(client)
    for _ in range(n):
        assert client.get(path).status_code == 200
    after = scrape(client)
    assert requests_total(after, path) - requests_total(before, path) == n
    count = "http_request_duration_seconds_count"
    c0 = sample(before, "http_request_duration_seconds", count, handler=path, method="GET")
    c1 = sample(after, "http_request_duration_seconds", count, handler=path, method="GET")
    assert c1 - c0 == n


def test_unmatched_paths_count_as_handler_none_4xx(client: TestClient) -> None:
    before = scrape(client)
    for p in ("/a", "/b/c", "/metrics/x"):
        client.get(p)
    after = scrape(client)
    assert requests_total(after, "none", "4xx") - requests_total(before, "none", "4xx") == 3
    handlers = {s.labels["handler"] for s in after["http_requests"].samples}  # type: ignore[attr-defined]
    assert not handlers & {"/a", "/b/c", "/metrics/x"}


def test_metrics_endpoint_is_not_counted(client: TestClient) -> None:
    for _ in range(3):
        scrape(client)
    fams = scrape(client)
    handlers = {s.labels["handler"] for s in fams["http_requests"].samples}  # type: ignore[attr-defined]
    assert "/metrics" not in handlers
    inprog = {s.labels["handler"] for s in fams["http_requests_inprogress"].samples}  # type: ignore[attr-defined]
    assert "/metrics" not in inprog


def test_inprogress_gauge_counts_a_request_in_flight() -> None:
    async def go() -> tuple[float, float]:
        def gauge(text: str) -> float:
            fams = {f.name: f for f in text_string_to_metric_families(text)}
            return sample(
                fams, "http_requests_inprogress", "http_requests_inprogress", handler="/io",
                method="GET",
            )  # fmt: skip

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            slow = asyncio.create_task(c.get("/io"))
            during = 0.0
            # scrape until /io is seen in flight (it sleeps 50 ms, scrapes take ~1 ms)
            while during == 0.0 and not slow.done():
                during = gauge((await c.get("/metrics")).text)
            await slow
            after = gauge((await c.get("/metrics")).text)

        return during, after

    during, after = asyncio.run(go())
    assert during == 1.0
    assert after == 0.0


def test_process_tree_collector_reads_this_process() -> None:
    fams = {m.name: m for m in ProcessTreeCollector(os.getpid()).collect()}
    assert fams["process_cpu_seconds"].samples[0].value > 0
    assert fams["process_resident_memory_bytes"].samples[0].value > 1 << 20
    gone = {m.name: m for m in ProcessTreeCollector(2**22 + 1).collect()}
    assert gone["process_cpu_seconds"].samples[0].value == 0
