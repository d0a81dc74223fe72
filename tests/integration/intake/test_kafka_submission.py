"""Channels publish submissions on the intake topic: same schema; bad ones become dead letters."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from shared.db.engine import create_engine
from tests.integration.intake.conftest import Intake
from tests.support.running import eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def message(submission_id: str) -> dict[str, object]:
    return {
        "submission_id": submission_id,
        "channel_id": "wechat-bot",
        "channel": "online",
        "complainant_kind": "customer",
        "complainant": {"name": "Li Na", "email": "li.na@example.com"},
        "category": "delivery",
        "subject": "Parcel two weeks late",
        "content": "Order SO-1234 has not arrived.",
        "order_refs": ["SO-1234"],
    }


async def _publish(intake: Intake, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=intake.settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(intake.settings.topic_intake, value=value, key=b"wechat-bot")
    finally:
        await producer.stop()


async def _received_with(intake: Intake, submission_id: str) -> list[str]:
    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT stream_id FROM events "
                    "WHERE type = 'ComplaintReceived' AND payload->>'submission_id' = :s"
                ),
                {"s": submission_id},
            )
            return [r.stream_id for r in rows]
    finally:
        await engine.dispose()


async def test_a_published_submission_becomes_a_complaint_once(intake: Intake) -> None:
    submission_id = f"wx-{uuid.uuid4().hex[:8]}"
    value = json.dumps(message(submission_id)).encode()
    await _publish(intake, value, value)  # a channel's retry: delivered twice

    streams = await eventually(lambda: _received_with(intake, submission_id), what="complaint from Kafka")
    second_id = f"wx-{uuid.uuid4().hex[:8]}"
    await _publish(intake, json.dumps(message(second_id)).encode())
    await eventually(lambda: _received_with(intake, second_id), what="the next submission")
    assert len(await _received_with(intake, submission_id)) == 1 == len(streams)


async def test_invalid_submissions_go_to_the_dead_letter_topic_with_reasons(intake: Intake) -> None:
    bad = message(f"wx-{uuid.uuid4().hex[:8]}")
    bad["category"] = "weather"
    del bad["subject"]
    await _publish(intake, json.dumps(bad).encode(), b"not json at all")

    consumer = AIOKafkaConsumer(
        intake.settings.topic_dead_letters,
        bootstrap_servers=intake.settings.kafka_bootstrap,
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters: list[dict[str, object]] = []
    try:

        async def two_letters() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            letters.extend(json.loads(m.value) for msgs in batch.values() for m in msgs)
            return len(letters) >= 2

        await eventually(two_letters, what="two dead letters")
    finally:
        await consumer.stop()
    invalid = next(letter for letter in letters if letter["errors"])
    fields = {e["field"] for e in invalid["errors"]}  # type: ignore[attr-defined]
    assert {"category", "subject"} <= fields
    assert invalid["original_topic"] == intake.settings.topic_intake
    assert invalid["consumer"] == "intake-submissions"
    assert "li.na@example.com" not in invalid["reason"]  # type: ignore[operator]
