"""A running service whose broker goes away keeps taking writes: intake's submissions are
recorded in the store (202), from which the outbox relay publishes when it can; /readyz says
the broker is unreachable (503). No request of the APIs waits on the broker; one that did would
get a 503 with Retry-After (tests/unit/kernel/test_broker_unavailable_is_a_503.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.intake.main import create_app as create_intake
from shared.messaging.topics import ensure_topics
from tests.integration.test_database_unavailable import SUBMISSION
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend, start_kafka
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = pytest.mark.integration


@pytest.fixture
def own_broker() -> Iterator[Backend]:
    """A broker of this test's own (this test stops it); not when the suite is given one."""
    broker = start_kafka()
    if broker.kind == "env":
        pytest.skip("TOUSU_TEST_KAFKA_BOOTSTRAP names one broker for the whole suite; it is not stopped")
    try:
        yield broker
    finally:
        broker.stop()


async def test_intake_takes_submissions_while_the_broker_is_down(new_database, own_broker: Backend) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), own_broker)
    await ensure_topics(settings)
    app = create_intake(settings, tokens=tokens_for_tests())
    async with running(app) as client:
        assert (
            await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
        ).status_code == 202
        own_broker.stop()

        async def broker_reported_down() -> bool:
            response = await client.get("/readyz")
            return response.status_code == 503 and response.json()["kafka"] != "ok"

        await eventually(broker_reported_down, timeout=30, what="/readyz to report the broker down")
        for _ in range(3):
            response = await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
            assert response.status_code == 202, response.text
