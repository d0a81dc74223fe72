"""Too large a body is a 413 and too many submissions from one token a 429, machine-readable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from shared.messaging.topics import ensure_topics
from tests.support.auth import bearer
from tests.support.auth import test_tokens as known_tokens
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

LIMITS = IntakeSettings(max_body_bytes=4096, rate_per_minute=1, rate_burst=2)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(new_database, kafka_backend) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    async with running(create_app(settings, tokens=known_tokens(), config=LIMITS)) as client:
        yield client


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient, submission: dict[str, object]) -> None:
    big = {**submission, "content": "漏" * 2000}  # 6000 bytes of UTF-8
    response = await client.post("/v1/complaints", json=big, headers=bearer("agent", "quality"))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and response.json()["max_bytes"] == 4096

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it arrives
        for _ in range(5):
            yield b"x" * 1000

    chunked = await client.post("/v1/complaints", content=chunks(), headers=bearer("agent", "quality"))
    assert chunked.status_code == 413


async def test_too_many_attachments_is_422(client: httpx.AsyncClient, submission: dict[str, object]) -> None:
    files = [{"name": f"photo-{i}.jpg", "size_bytes": 1000} for i in range(11)]
    response = await client.post(
        "/v1/complaints", json={**submission, "attachments": files}, headers=bearer("agent", "hr")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments"


async def test_a_token_over_its_rate_gets_429_with_retry_after(
    client: httpx.AsyncClient, submission: dict[str, object]
) -> None:
    statuses = []
    for _ in range(3):
        response = await client.post("/v1/complaints", json=submission, headers=bearer("channel"))
        statuses.append(response.status_code)
    assert statuses == [202, 202, 429]
    assert response.json()["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    other = await client.post("/v1/complaints", json=submission, headers=bearer("supervisor"))
    assert other.status_code == 202  # every token has its own bucket
