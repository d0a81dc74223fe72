"""A service started while the broker is down serves at once: writes go to the store (202),
/readyz says the broker is unreachable; once a broker answers, the producer, the relay and the
consumer groups connect by themselves and what was written is published. No restart needed."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer

from services.intake.main import create_app as create_intake
from shared.messaging.topics import ensure_topics
from tests.integration.test_database_unavailable import SUBMISSION
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend, free_port, kafka_choice, start_kafka
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = pytest.mark.integration


async def test_a_service_starts_without_the_broker_and_connects_when_it_comes(new_database) -> None:  # type: ignore[no-untyped-def]
    if kafka_choice() != "tansu":
        pytest.skip("needs a broker this test can start on a port of its choosing (tansu)")
    port = free_port()
    settings = settings_for(await new_database(), _nowhere(port))
    app = create_intake(settings, tokens=tokens_for_tests())
    async with running(app, wait_ready=False) as client:
        accepted = await client.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
        assert accepted.status_code == 202, accepted.text
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["kafka"] != "ok"

        broker = start_kafka(port)
        try:
            await ensure_topics(settings)

            async def ready_now() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready_now, timeout=60, what="/readyz once the broker answers")
            complaint_no = accepted.json()["complaint_no"]
            consumer = AIOKafkaConsumer(
                settings.topic_events, bootstrap_servers=broker.url, auto_offset_reset="earliest"
            )
            await consumer.start()
            try:
                seen: set[str] = set()

                async def published() -> bool:
                    batch = await consumer.getmany(timeout_ms=500)
                    seen.update(r.key.decode() for records in batch.values() for r in records if r.key)
                    return complaint_no in seen

                await eventually(published, timeout=30, what="the earlier submission on the events topic")
            finally:
                await consumer.stop()
        finally:
            broker.stop()


def _nowhere(port: int) -> Backend:
    """A broker address nothing listens on (yet)."""
    return Backend("tansu", f"127.0.0.1:{port}", f"no broker on port {port} (yet)")
