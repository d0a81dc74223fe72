"""`tousu serve NAME`: run one service's composition root under uvicorn."""

from __future__ import annotations

import importlib

import uvicorn

from shared.settings import load_settings


def serve(name: str) -> int:
    settings = load_settings()
    module = importlib.import_module(f"services.{name}.main")
    app = module.create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port_of(name), log_config=None, access_log=False)
    return 0
