"""An error no handler answers is a 500 with a machine-readable body, logged by its types,
SQLSTATE and frames: never its message, which carries request data (SQLAlchemy's the statement's
parameters, asyncpg's the refused value, pydantic's the input). The server never sees the
exception, so it prints no traceback of its own."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from shared.service.app import install_error_handlers
from shared.service.guard import INTERNAL_ERROR, ContainErrors

pytestmark = pytest.mark.unit

PHONE = "13812345678"


class DriverError(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class Strict(BaseModel):
    count: int


def failing() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/statement")
    async def statement() -> None:
        raise DBAPIError(
            "INSERT INTO notes (note) VALUES ($1)", (f"请回电 {PHONE}",), DriverError("42P01", "no table")
        )

    @app.post("/value")
    async def value() -> None:
        raise DBAPIError("SELECT $1", (), DriverError("22P02", f"invalid input value: {PHONE}"))

    @app.post("/model")
    async def model() -> None:
        Strict.model_validate({"count": f"call {PHONE}"})

    @app.post("/bug")
    async def bug() -> None:
        raise KeyError(PHONE)

    app.add_middleware(ContainErrors)
    return app


@pytest.mark.parametrize("path", ["/statement", "/value", "/model", "/bug"])
async def test_a_500_that_logs_no_request_data(path: str, caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=failing())  # raise_app_exceptions: nothing reaches the server
    with caplog.at_level(logging.DEBUG):
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            response = await client.post(path)
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    [record] = [r for r in caplog.records if r.getMessage() == "request failed; answered 500"]
    assert record.exc_info is None
    assert record.frames and record.causes  # type: ignore[attr-defined]
    assert all(path.endswith(".py") or ".py:" in path for path in record.frames)  # type: ignore[attr-defined]
    logged = " ".join(f"{r.getMessage()} {r.__dict__} {r.exc_text or ''}" for r in caplog.records)
    assert PHONE not in logged and "INSERT INTO" not in logged


async def test_the_sqlstate_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=failing())
    with caplog.at_level(logging.ERROR):
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            await client.post("/statement")
    [record] = [r for r in caplog.records if r.getMessage() == "request failed; answered 500"]
    assert record.sqlstate == "42P01"  # type: ignore[attr-defined]
    assert record.error == "DBAPIError"  # type: ignore[attr-defined]
