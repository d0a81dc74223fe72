"""An event type a consumer does not handle is passed over from its headers: never decoded, never
handed to the handler, never written (it has no effect to keep atomic); its redelivery counts as a
duplicate, and the next event the consumer does handle moves the durable position past both
without reading the store."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.messaging.event_routes import event_headers
from shared.messaging.producer import headers_of
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, wait_until
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_ignored_events_are_passed_over_and_deduplicated(
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
        runtime.broker,
        consumer,
        settings.topic_events,
        handler,
        types={"SomethingHappened"},
        categories=None,
        description="test",
    )
    await runtime.start()
    try:
        stream = new_stream_id()
        other = NewEvent(
            type="SomethingElseHappened",
            schema_version=1,
            occurred_at=runtime.clock.now(),
            actor=Actor.service("tests"),
            correlation_id=uuid.uuid4(),
            payload={"not": "decodable by the consumer's registry"},
        )
        ignored = (await runtime.store.append(stream, NO_STREAM, [other])).events[0]
        wanted = (await runtime.store.append(stream, 1, [something(2)])).events[0]
        for event in (ignored, ignored, wanted):  # with the relay's headers, as the relay sends them
            await runtime.producer.send_and_wait(
                settings.topic_events,
                value=event.to_wire(),
                key=stream.encode(),
                headers=headers_of(event_headers(event)),
            )
        await wait_until(lambda: consumer.processed == 1)
        assert (consumer.passed_over, consumer.duplicates, consumer.processed, consumer.filled) == (
            1,
            1,
            1,
            0,
        )
        assert [e.event_id for e in handled] == [wanted.event_id]
        async with runtime.engine.connect() as conn:
            positions = (
                await conn.execute(
                    text("SELECT stream_id, version FROM consumer_positions WHERE consumer = :c"), {"c": name}
                )
            ).all()
        assert [tuple(row) for row in positions] == [(stream, 2)]
    finally:
        await runtime.stop()
