"""An event type a consumer does not subscribe to moves the consumer's position in its stream
without being decoded or handed to the handler; its redelivery counts as a duplicate, as any other."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, wait_until
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_ignored_events_move_the_position_and_are_deduplicated(
    settings: Settings, new_database: NewDatabase
) -> None:
    settings = settings.model_copy(update={"database_url": await new_database()})
    await ensure_topics(settings)
    name = f"ignore-{uuid.uuid4().hex[:8]}"
    runtime = Runtime(name, settings, run_relay=False, run_catch_up=False)  # count Kafka's deliveries
    handled: list[RecordedEvent] = []

    async def handler(event: RecordedEvent, ctx: HandlerContext) -> None:
        handled.append(event)

    consumer = runtime.consumer()
    subscribe_events(
        runtime.broker, consumer, settings.topic_events, handler, types={"NotThisOne"}, description="test"
    )
    await runtime.start()
    try:
        stream = new_stream_id()
        event = (await runtime.store.append(stream, NO_STREAM, [something(1)])).events[0]
        for _ in range(2):
            await runtime.producer.send_and_wait(
                settings.topic_events, value=event.to_wire(), key=stream.encode()
            )

        await wait_until(lambda: consumer.passed_over + consumer.duplicates == 2)
        assert (consumer.passed_over, consumer.duplicates, consumer.processed, consumer.dead_lettered) == (
            1,
            1,
            0,
            0,
        )
        assert handled == []
        async with runtime.engine.connect() as conn:
            positions = (
                await conn.execute(
                    text("SELECT stream_id, version FROM consumer_positions WHERE consumer = :c"), {"c": name}
                )
            ).all()
        assert [tuple(row) for row in positions] == [(stream, 1)]
    finally:
        await runtime.stop()
