"""A database that cannot be reached (down, restarting, shutting down, refusing connections, no
pooled connection free) is a 503 with Retry-After and a machine-readable body in every service,
whichever way the driver's error reaches the handler; every other failure stays what it was.
(Real refused connections and a real PostgreSQL stopped under a running service:
tests/integration/test_database_unavailable.py.)"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from shared.service.app import RETRY_AFTER_SECONDS, database_unavailable, install_error_handlers

pytestmark = pytest.mark.unit


class AdaptedError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the driver's SQLSTATE kept as an attribute."""

    def __init__(self, sqlstate: str, message: str = "server error") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", {}, AdaptedError(sqlstate))


UNAVAILABLE: dict[str, BaseException] = {
    "SQLAlchemy OperationalError": sa_exc.OperationalError("SELECT 1", {}, Exception("server closed")),
    "DBAPIError, connection invalidated": sa_exc.DBAPIError(
        "SELECT 1", {}, Exception("connection lost"), connection_invalidated=True
    ),
    "SQLAlchemy InterfaceError, connection is closed": sa_exc.InterfaceError(
        "SELECT 1", {}, Exception("cannot perform operation: connection is closed")
    ),
    "shutting down, 57P01 through SQLAlchemy": wrapped("57P01"),
    "crash restart, 57P02 through SQLAlchemy": wrapped("57P02"),
    "starting up, 57P03 through SQLAlchemy": wrapped("57P03"),
    "connection failure, 08006 through SQLAlchemy": wrapped("08006"),
    "connection does not exist, 08003 through SQLAlchemy": wrapped("08003"),
    "too many connections, 53300 through SQLAlchemy": wrapped("53300"),
    "asyncpg CannotConnectNowError": asyncpg.exceptions.CannotConnectNowError(
        "the database system is shutting down"
    ),
    "asyncpg AdminShutdownError": asyncpg.exceptions.AdminShutdownError(
        "terminating connection due to administrator command"
    ),
    "asyncpg ConnectionDoesNotExistError": asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    "asyncpg ConnectionFailureError": asyncpg.exceptions.ConnectionFailureError("connection failure"),
    "asyncpg TooManyConnectionsError": asyncpg.exceptions.TooManyConnectionsError("too many clients"),
    "asyncpg InterfaceError, connection is closed": asyncpg.InterfaceError(
        "cannot perform operation: connection is closed"
    ),
    "pool timeout": sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    "pool could not replace a closed connection": sa_exc.DisconnectionError("the server closed it"),
}

NOT_UNAVAILABLE: dict[str, tuple[BaseException | object, int]] = {
    "undefined table, 42P01": (wrapped("42P01"), 500),
    "unique violation, 23505": (sa_exc.IntegrityError("INSERT", {}, AdaptedError("23505")), 500),
    "asyncpg UniqueViolationError": (asyncpg.exceptions.UniqueViolationError("duplicate key"), 500),
    "SQLAlchemy InterfaceError, another operation in progress": (
        sa_exc.InterfaceError("SELECT 1", {}, Exception("another operation is in progress")),
        500,
    ),
    "unstorable text stays a 422": (wrapped("22021"), 422),
    "a missing file is not the database": (FileNotFoundError, 500),
    "a timeout of the service's own is not the database": (TimeoutError, 500),
}


def app_raising(error: BaseException | object) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/write")
    async def write() -> None:
        if error is FileNotFoundError:
            raise FileNotFoundError(2, "No such file or directory", "/nonexistent/tousu/file")
        if error is TimeoutError:
            await asyncio.wait_for(asyncio.sleep(1), 0.001)
        assert isinstance(error, BaseException)
        raise error

    return app


async def post(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.post("/write")


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {
        "error": "database_unavailable",
        "message": "the database is unavailable right now; retry after the Retry-After seconds",
        "message_zh": "数据库暂时不可用，请稍后重试",
        "retry_after_seconds": RETRY_AFTER_SECONDS,
    }


@pytest.mark.parametrize("error", UNAVAILABLE.values(), ids=UNAVAILABLE.keys())
async def test_an_unreachable_database_is_a_503_with_retry_after(error: BaseException) -> None:
    assert_unavailable(await post(app_raising(error)))


@pytest.mark.parametrize(("error", "status"), NOT_UNAVAILABLE.values(), ids=NOT_UNAVAILABLE.keys())
async def test_other_failures_keep_their_status(error: BaseException | object, status: int) -> None:
    response = await post(app_raising(error))
    assert response.status_code == status
    assert "Retry-After" not in response.headers


def test_the_cause_of_a_wrapped_error_counts() -> None:
    try:
        try:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
        except asyncpg.PostgresError as inner:
            raise sa_exc.DBAPIError("SELECT 1", {}, inner) from inner
    except sa_exc.DBAPIError as error:
        assert database_unavailable(error)
    assert not database_unavailable(ValueError("not the database"))


async def test_the_log_carries_neither_the_statement_nor_its_parameters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = sa_exc.DBAPIError(
        "INSERT INTO complainants (name, phone) VALUES ($1, $2)",
        ("张伟", "13812345678"),
        AdaptedError("57P01", "terminating connection due to administrator command"),
    )
    with caplog.at_level(logging.DEBUG):
        response = await post(app_raising(error))
    assert_unavailable(response)
    [record] = [r for r in caplog.records if r.getMessage() == "database unavailable; answered 503"]
    assert record.sqlstate == "57P01"  # type: ignore[attr-defined]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in ("13812345678", "张伟", "INSERT INTO"):
        assert secret not in logged
