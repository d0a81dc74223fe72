"""A replay (the same Idempotency-Key and body) is answered with the first complaint number
without spending the token's rate, even when the bucket is empty; a submission refused with 429
leaves its key unused, so its retry registers it (FakeClock: the bucket refills only when moved)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from shared.clock import FakeClock
from shared.messaging.topics import ensure_topics
from tests.builders import T0
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Limited:
    client: httpx.AsyncClient
    clock: FakeClock

    async def submit(self, body: dict[str, object], key: str) -> httpx.Response:
        headers = {**bearer("channel"), "Idempotency-Key": key}
        return await self.client.post("/v1/complaints", json=body, headers=headers)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def limited(new_database, kafka_backend) -> AsyncIterator[Limited]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(T0)
    config = IntakeSettings(rate_per_minute=1, rate_burst=2)
    app = create_app(
        settings, clock=clock, tokens=tokens_for_tests(), config=config, lapse_in_background=False
    )
    async with running(app) as client:
        yield Limited(client, clock)


async def test_replays_are_answered_without_spending_the_rate(
    limited: Limited, submission: dict[str, object]
) -> None:
    first = await limited.submit(submission, "call-1")
    assert first.status_code == 202, first.text
    number = first.json()["complaint_no"]
    for _ in range(5):
        replay = await limited.submit(submission, "call-1")
        assert replay.status_code == 202 and replay.json()["complaint_no"] == number

    second = await limited.submit(submission, "call-2")  # the burst's second token is still there
    assert second.status_code == 202 and second.json()["complaint_no"] != number
    third = await limited.submit(submission, "call-3")
    assert third.status_code == 429 and third.json()["error"] == "rate_limited"

    assert (await limited.submit(submission, "call-1")).json()["complaint_no"] == number  # bucket empty

    limited.clock.advance(timedelta(minutes=1))  # one token back
    retried = await limited.submit(submission, "call-3")  # the 429 did not keep the key
    assert retried.status_code == 202
    assert retried.json()["complaint_no"] not in (number, second.json()["complaint_no"])


async def test_a_key_reused_for_another_body_is_refused_without_spending(
    limited: Limited, submission: dict[str, object]
) -> None:
    limited.clock.advance(timedelta(minutes=2))  # the bucket full again: two tokens
    assert (await limited.submit(submission, "call-4")).status_code == 202
    other = {**submission, "subject": "另一件事"}
    for _ in range(3):
        reused = await limited.submit(other, "call-4")
        assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert (await limited.submit(submission, "call-5")).status_code == 202  # the second token
