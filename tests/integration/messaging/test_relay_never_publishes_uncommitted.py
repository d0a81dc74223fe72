"""The relay publishes an event only once its transaction committed, and never a rolled-back one."""

from __future__ import annotations

import pytest

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.producer import make_producer
from shared.messaging.relay import OutboxRelay
from shared.settings import Settings
from tests.integration.messaging.conftest import OpenReader, headers_of, relay_until
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_only_committed_events_are_published(
    relay_settings: Settings, topic_reader: OpenReader
) -> None:
    engine = create_engine(relay_settings.database_url)
    store = PostgresEventStore(engine)
    producer = make_producer(relay_settings)
    await producer.start()
    relay = OutboxRelay(relay_settings, engine, producer)
    reader = await topic_reader(relay_settings, relay_settings.topic_events)
    try:
        async with engine.connect() as rolled_back:
            await rolled_back.begin()
            await store.bound(rolled_back).append(new_stream_id(), NO_STREAM, [something(0)])
            assert await relay.relay_once() == 0
            await rolled_back.rollback()

        async with engine.connect() as open_tx:
            await open_tx.begin()
            pending = await store.bound(open_tx).append(new_stream_id(), NO_STREAM, [something(1)])
            # committed by another connection meanwhile; published only after the older one
            later = await store.append(new_stream_id(), NO_STREAM, [something(2)])
            assert await relay.relay_once() == 0
            assert await reader.poll() == []

            await open_tx.commit()

        await relay_until(relay, 2)
        assert await relay.relay_once() == 0
        assert relay.published == 2
        records = await reader.read_exactly(2)
    finally:
        await producer.stop()
        await engine.dispose()
    published = sorted((r.partition, r.offset, headers_of(r)["event_id"]) for r in records)
    assert {p[2] for p in published} == {str(pending.events[0].event_id), str(later.events[0].event_id)}
