"""Gunicorn worker class for UVICORN_WORKERS > 1: Uvicorn's worker with the event loop and HTTP
parser pinned (UVICORN_LOOP, UVICORN_HTTP, validated by serve.py) instead of Uvicorn's "auto",
and no access log. Gunicorn names worker classes by import path, hence a module of its own."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from uvicorn.workers import UvicornWorker


class PinnedWorker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        "loop": os.environ.get("UVICORN_LOOP", "asyncio"),
        "http": os.environ.get("UVICORN_HTTP", "h11"),
        "access_log": False,
    }
