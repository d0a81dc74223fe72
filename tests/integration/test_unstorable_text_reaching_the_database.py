"""Behind the request guard, the database itself is the last check: text PostgreSQL refuses
(NUL in jsonb, SQLSTATE 22P05; NUL in text, 22021) is a 422 whichever table or column it
reaches, the event store's payloads included; any other failed statement is a 500. Neither
answer leaves a log line or traceback holding the request's data (the statement's parameters,
the refused value, the JSON that PostgreSQL quotes back). Real PostgreSQL, real handlers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.service.app import install_error_handlers
from shared.service.guard import INTERNAL_ERROR, ContainErrors
from tests.builders import as_new, received

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PHONE = "13812345678"


def app_writing(url: str) -> FastAPI:
    engine = create_engine(url, pool_size=1)
    store = PostgresEventStore(engine)
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/jsonb")
    async def jsonb() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text("SELECT CAST(:p AS jsonb)"), {"p": f'{{"note": "请回电 {PHONE} \\u0000"}}'}
            )

    @app.post("/text")
    async def text_column() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT CAST(:p AS text)"), {"p": f"请回电 {PHONE}\x00"})

    @app.post("/event")
    async def event() -> None:
        no = f"TS-NUL-{uuid.uuid4().hex[:8]}"
        await store.append(no, NO_STREAM, [as_new(received(complaint_no=no, content=f"请回电 {PHONE}\x00"))])

    @app.post("/missing-table")
    async def missing_table() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO no_such_table (phone) VALUES (:p)"), {"p": PHONE})

    app.add_middleware(ContainErrors)
    app.state.engine = engine
    return app


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(new_database) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    app = app_writing(await new_database())
    transport = httpx.ASGITransport(app=app)  # an exception reaching it would fail the test
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client
    finally:
        await app.state.engine.dispose()


def assert_no_request_data(caplog: pytest.LogCaptureFixture) -> None:
    logged = " ".join(f"{r.getMessage()} {r.__dict__} {r.exc_text or ''}" for r in caplog.records)
    assert PHONE not in logged and "请回电" not in logged


@pytest.mark.parametrize("path", ["/jsonb", "/text", "/event"])
async def test_unstorable_text_is_422(
    client: httpx.AsyncClient, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await client.post(path)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_text"
    assert response.json()["message_zh"]
    assert_no_request_data(caplog)


async def test_another_failed_statement_is_a_500_logged_without_its_parameters(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/missing-table")
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    [record] = [r for r in caplog.records if r.getMessage() == "request failed; answered 500"]
    assert record.sqlstate == "42P01"  # type: ignore[attr-defined]
    assert_no_request_data(caplog)
