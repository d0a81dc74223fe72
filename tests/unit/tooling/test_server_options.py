"""Services run on uvloop and httptools where they are installed, and fall back cleanly where not."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import uvicorn

from tooling import serve as runner

pytestmark = pytest.mark.unit


def test_uvloop_and_httptools_when_installed() -> None:
    options = runner.server_options()
    if sys.platform != "win32":
        assert options["loop"] == "uvloop"
    assert options["http"] == "httptools"
    config = uvicorn.Config(lambda scope, receive, send: None, **options)  # uvicorn accepts them
    config.load()


def test_asyncio_and_h11_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name in ("uvloop", "httptools") else real(name, *args),
    )
    options = runner.server_options()
    assert (options["loop"], options["http"]) == ("asyncio", "h11")
