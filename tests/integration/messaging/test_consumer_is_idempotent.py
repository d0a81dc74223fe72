"""The same event delivered again runs the handler once; its effect exists once, and the consumer's
position in the stream says it was handled."""

from __future__ import annotations

import uuid
from collections import Counter

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


async def test_duplicate_deliveries_run_the_handler_once(
    settings: Settings, new_database: NewDatabase
) -> None:
    settings = settings.model_copy(update={"database_url": await new_database()})
    await ensure_topics(settings)
    name = f"idem-{uuid.uuid4().hex[:8]}"
    runtime = Runtime(name, settings, run_relay=False, run_catch_up=False)  # count Kafka's deliveries
    calls: Counter[str] = Counter()

    async def handler(event: RecordedEvent, ctx: HandlerContext) -> None:
        calls[str(event.event_id)] += 1
        await ctx.connection.execute(
            text("INSERT INTO handler_effects (event_id, n) VALUES (:id, :n)"),
            {"id": str(event.event_id), "n": event.payload["n"]},
        )

    consumer = runtime.consumer()
    subscribe_events(
        runtime.broker, consumer, settings.topic_events, handler, categories=None, description="test"
    )
    async with runtime.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE handler_effects (event_id text NOT NULL, n integer NOT NULL)"))
    await runtime.start()
    try:
        twice, once = new_stream_id(), new_stream_id()
        duplicated = (await runtime.store.append(twice, NO_STREAM, [something(1)])).events[0]
        single = (await runtime.store.append(once, NO_STREAM, [something(2)])).events[0]
        wire = duplicated.to_wire()
        first = await runtime.producer.send_and_wait(settings.topic_events, value=wire, key=twice.encode())
        again = await runtime.producer.send_and_wait(settings.topic_events, value=wire, key=twice.encode())
        other_partition = (first.partition + 1) % settings.topic_partitions  # a redelivery elsewhere
        await runtime.producer.send_and_wait(
            settings.topic_events, value=wire, key=twice.encode(), partition=other_partition
        )
        await runtime.producer.send_and_wait(settings.topic_events, value=single.to_wire(), key=once.encode())
        assert (again.partition, again.offset) == (first.partition, first.offset + 1)

        await wait_until(lambda: consumer.processed + consumer.duplicates == 4)
        assert (consumer.processed, consumer.duplicates, consumer.dead_lettered) == (2, 2, 0)
        assert calls == {str(duplicated.event_id): 1, str(single.event_id): 1}
        async with runtime.engine.connect() as conn:
            effects = (await conn.execute(text("SELECT event_id, n FROM handler_effects ORDER BY n"))).all()
            positions = (
                await conn.execute(
                    text("SELECT stream_id, version FROM consumer_positions WHERE consumer = :c"), {"c": name}
                )
            ).all()
        assert [tuple(row) for row in effects] == [(str(duplicated.event_id), 1), (str(single.event_id), 2)]
        assert sorted(tuple(row) for row in positions) == sorted([(twice, 1), (once, 1)])
    finally:
        await runtime.stop()
