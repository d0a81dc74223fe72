"""Text PostgreSQL refuses (SQLSTATE 22021, e.g. a NUL character) is a 422 in every service,
however the driver's error reaches the handler; any other database error stays a server error."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from shared.service.app import install_error_handlers

pytestmark = pytest.mark.unit


class AdaptedError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the driver's SQLSTATE kept as an attribute."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("invalid byte sequence")
        self.sqlstate = sqlstate


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/write")
    async def write() -> None:
        raise error

    return app


async def post(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.post("/write")


@pytest.mark.parametrize(
    "error",
    [
        DBAPIError("INSERT", {}, AdaptedError("22021")),
        asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence for encoding"),
    ],
    ids=["through SQLAlchemy", "from asyncpg"],
)
async def test_unstorable_text_is_refused_with_a_reason(error: Exception) -> None:
    response = await post(app_raising(error))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_text"


async def test_other_database_errors_are_not_disguised_as_bad_input() -> None:
    # (not 57P01, admin_shutdown, as it was: a server shutting down is a 503, see
    # test_database_unavailable_is_a_503.py)
    response = await post(app_raising(DBAPIError("INSERT", {}, AdaptedError("42P01"))))
    assert response.status_code == 500
