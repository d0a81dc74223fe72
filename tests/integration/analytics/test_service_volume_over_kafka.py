"""Service volume through Kafka: channels publish it per day and channel on the service-volume
topic; analytics stores it like PUT /v1/service-volume (idempotently) and the complaint rate
divides by it. Unknown channels are dead-lettered."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from shared.complaints import Status
from tests.integration.analytics.conftest import Analytics, new_number
from tests.integration.analytics.insight_histories import history_at
from tests.support.auth import bearer
from tests.support.running import eventually

pytestmark = pytest.mark.integration


def report(message_id: str, volume: int, channel: str = "hotline") -> bytes:
    return json.dumps(
        {
            "message_id": message_id,
            "reported_by": "call-centre",
            "entries": [{"day": "2026-03-10", "channel": channel, "volume": volume}],
        }
    ).encode()


async def stored(analytics: Analytics) -> list[Any]:
    async with analytics.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT day, channel, volume, reported_by FROM analytics_service_volume ORDER BY day, channel"
            )
        )
        return [tuple(row) for row in rows]


async def test_volume_from_kafka_is_stored_once_and_divides_the_complaint_rate(analytics: Analytics) -> None:
    no = new_number()
    await analytics.projected(
        {no: await analytics.put(no, history_at(Status.RECEIVED, no, datetime(2026, 3, 10, 2, tzinfo=UTC)))}
    )
    producer = analytics.runtime.producer
    topic = analytics.settings.topic_service_volume
    first = f"vol-{uuid.uuid4().hex[:8]}"
    await producer.send_and_wait(topic, value=report(first, 400), key=b"hotline")

    async def arrived() -> bool:
        return await stored(analytics) == [
            (datetime(2026, 3, 10).date(), "hotline", 400, "kafka:call-centre")
        ]

    await eventually(arrived, what="service volume from Kafka")

    # a redelivery of the first report after a correction changes nothing: deduplicated by message_id
    await producer.send_and_wait(topic, value=report(f"vol-{uuid.uuid4().hex[:8]}", 50), key=b"hotline")
    await producer.send_and_wait(topic, value=report(first, 400), key=b"hotline")
    await producer.send_and_wait(topic, value=report(f"vol-{uuid.uuid4().hex[:8]}", 50, "carrier-pigeon"))
    marker = f"vol-{uuid.uuid4().hex[:8]}"
    await producer.send_and_wait(
        topic, value=report(marker, 50, "app"), key=b"hotline"
    )  # same partition: after

    async def all_done() -> bool:
        return len(await stored(analytics)) == 2

    await eventually(all_done, what="the later reports")
    assert (await stored(analytics))[1][1:3] == ("hotline", 50)

    kpis = await analytics.client.get(
        "/v1/kpis?from=2026-03-10&to=2026-03-10&channel=hotline", headers=bearer("supervisor")
    )
    rate = next(k for k in kpis.json()["totals"][0]["kpis"] if k["code"] == "complaint_rate")
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (1, 50, 2.0)

    consumer = AIOKafkaConsumer(
        analytics.settings.topic_dead_letters,
        bootstrap_servers=analytics.settings.kafka_bootstrap,
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters: list[dict[str, Any]] = []
    try:

        async def a_letter() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            letters.extend(json.loads(m.value) for msgs in batch.values() for m in msgs)
            return any(letter["original_topic"] == topic for letter in letters)

        await eventually(a_letter, what="the unknown channel's dead letter")
    finally:
        await consumer.stop()
    letter = next(letter for letter in letters if letter["original_topic"] == topic)
    assert "carrier-pigeon" in letter["reason"]
