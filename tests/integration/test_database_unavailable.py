"""A client that submits while PostgreSQL is down gets 503 with Retry-After, never a 500; the
service reports the database unreachable on /readyz and serves again once PostgreSQL is back,
without being restarted. Every service's HTTP API answers the same way."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.intake.config import IntakeSettings
from services.intake.main import create_app as create_intake
from shared.db.engine import create_engine
from shared.db.logins import provision
from shared.db.migrate import upgrade
from shared.messaging.topics import ensure_topics
from shared.service.app import RETRY_AFTER_SECONDS, install_error_handlers
from shared.settings import Settings
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.running import eventually, running
from tests.support.settings import TEST_LOGINS, settings_for
from tooling.stack.embedded_postgres import EmbeddedPostgres
from tooling.stack.ports import free_port

pytestmark = pytest.mark.integration

SUBMISSION = {
    "channel": "hotline",
    "complainant_kind": "customer",
    "complainant": {"name": "张伟", "phone": "13812345678"},
    "category": "product_quality",
    "subject": "洗衣机漏水",
    "content": "购买两周的洗衣机底部漏水。",
    "product_refs": ["WM-2031"],
}


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["error"] == "database_unavailable"
    assert body["message"] and body["message_zh"]
    assert body["retry_after_seconds"] == RETRY_AFTER_SECONDS


@pytest.fixture
async def own_postgres() -> AsyncIterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own (never the shared one: this test stops it).

    Not under pytest's tmp_path: as root, PostgreSQL runs as another user that must traverse the
    data directory's parents, and any pytest session starting meanwhile resets
    /tmp/pytest-of-<user> to 0700.
    """
    root = Path(tempfile.mkdtemp(prefix="tousu-pg-down-"))
    server = EmbeddedPostgres(root / "pg", port=free_port(), log_path=root / "postgres.log")
    try:
        await server.start(within=120)
        print(f"\n[tousu tests] this test's own embedded-postgres on port {server.port} (stopped on purpose)")
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


async def test_intake_answers_503_while_postgresql_is_down_and_serves_again_after(
    own_postgres: EmbeddedPostgres, kafka_backend: Backend
) -> None:
    await own_postgres.ensure_database("tousu")
    settings = settings_for(own_postgres.sqlalchemy_url("tousu"), kafka_backend)
    await upgrade(settings)
    await provision(settings.database_url, TEST_LOGINS)  # a server of its own: its own logins
    await ensure_topics(settings)
    app = create_intake(settings, tokens=tokens_for_tests())
    async with running(app) as client:
        accepted = await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
        assert accepted.status_code == 202, accepted.text

        own_postgres.stop(grace=10)  # fast shutdown: the pooled connections are closed under intake
        for _ in range(3):  # the pool's closed connections, then refused new ones
            assert_unavailable(
                await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
            )
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"].startswith("unreachable"), ready.json()

        await own_postgres.start(within=120)

        async def submitted() -> bool:
            response = await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
            assert response.status_code in (202, 503), response.text
            return response.status_code == 202

        await eventually(submitted, timeout=30, interval=0.5, what="a 202 once PostgreSQL is back")
        assert (await client.get("/readyz")).json()["database"] == "ok"


async def test_submissions_in_flight_while_postgresql_shuts_down_get_202_or_503(
    own_postgres: EmbeddedPostgres, kafka_backend: Backend
) -> None:
    """Fast shutdown under load: sessions end with 57P01 (admin_shutdown) mid-transaction, pooled
    connections close under their statements ("connection is closed"), new ones are refused
    with 57P03, then the port closes. Not one of those is a 500."""
    await own_postgres.ensure_database("tousu")
    settings = settings_for(own_postgres.sqlalchemy_url("tousu"), kafka_backend)
    await upgrade(settings)
    await provision(settings.database_url, TEST_LOGINS)  # a server of its own: its own logins
    await ensure_topics(settings)
    config = IntakeSettings(rate_per_minute=1_000_000, rate_burst=100_000)
    app = create_intake(settings, tokens=tokens_for_tests(), config=config)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    stopping = asyncio.Event()
    async with running(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:

            async def submit_until_stopped(n: int) -> None:
                while not stopping.is_set():
                    headers = bearer("channel")
                    if n % 2:  # half of them through the Idempotency-Key path
                        headers["Idempotency-Key"] = uuid.uuid4().hex
                    response = await client.post("/v1/complaints", json=SUBMISSION, headers=headers)
                    statuses[response.status_code] += 1
                    if response.status_code not in (202, 503):
                        failures.append(response.text)

            clients = [asyncio.create_task(submit_until_stopped(n)) for n in range(8)]
            await eventually(lambda: asyncio.sleep(0, statuses[202] >= 20), what="submissions flowing")
            await asyncio.to_thread(own_postgres.stop, 10)
            await asyncio.sleep(1.0)
            stopping.set()
            await asyncio.gather(*clients)
    assert not failures, failures[:3]
    assert statuses[202] >= 20 and statuses[503] >= 1, statuses


def app_connecting_to(url: str) -> FastAPI:
    """A route that reaches a database nobody listens on, as asyncpg and as the service's pool."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/asyncpg")
    async def raw() -> None:
        await asyncpg.connect(url.replace("+asyncpg", ""), timeout=5)

    @app.get("/engine")
    async def pooled() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    return app


def nobody_listens() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/tousu"


@pytest.mark.parametrize("path", ["/asyncpg", "/engine"])
async def test_a_refused_connection_is_a_503(path: str) -> None:
    transport = httpx.ASGITransport(app=app_connecting_to(nobody_listens()), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        assert_unavailable(await client.get(path))


def service_app(name: str, settings: Settings) -> FastAPI:
    if name == "intake":
        return create_intake(settings, tokens=tokens_for_tests())
    if name == "routing":
        from services.routing.main import create_app as routing

        return routing(settings, tokens=tokens_for_tests())
    if name == "sla":
        from services.sla.main import create_app as sla

        return sla(settings, tokens=tokens_for_tests())
    if name == "feedback":
        from services.feedback.main import create_app as feedback

        return feedback(settings, tokens=tokens_for_tests())
    from services.analytics.main import create_app as analytics

    return analytics(settings, tokens=tokens_for_tests())


# A request of each service's API that needs the database, with a caller allowed to make it.
REQUESTS = {
    "intake": ("POST", "/v1/complaints", "channel", SUBMISSION),
    "routing": ("GET", "/v1/departments/quality/assignments", "supervisor", None),
    "sla": ("GET", "/v1/deadlines", "operator", None),
    "feedback": ("GET", "/v1/revisits", "supervisor", None),
    "analytics": ("GET", "/v1/complaints/TS-20260101-000001", "operator", None),
}


@pytest.mark.parametrize("service", REQUESTS)
async def test_every_service_answers_503_when_its_database_cannot_be_reached(service: str) -> None:
    settings = Settings(database_url=nobody_listens(), kafka_bootstrap=f"127.0.0.1:{free_port()}")
    app = service_app(service, settings)  # not started: no broker, no relay; only its HTTP API
    method, path, role, body = REQUESTS[service]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.request(method, path, json=body, headers=bearer(role))
    assert_unavailable(response)
