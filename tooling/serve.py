"""`tousu serve NAME`: run one service's composition root under uvicorn."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import uvicorn

from shared.settings import load_settings


def server_options() -> dict[str, Any]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools (both in C) where installed.

    They are dependencies of the package, except uvloop on Windows (it has none): there, or
    wherever either is missing, the server falls back to asyncio's loop and h11. Every process
    that serves HTTP (``tousu serve``, the benchmark's ceiling) passes these, so the figures
    compare like with like.
    """
    return {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") is not None else "h11",
        "log_config": None,
        "access_log": False,
    }


def serve(name: str) -> int:
    settings = load_settings()
    module = importlib.import_module(f"services.{name}.main")
    app = module.create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port_of(name), **server_options())
    return 0
