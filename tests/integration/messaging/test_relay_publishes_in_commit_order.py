"""The relay publishes every committed event to the events topic, in commit order, keyed by complaint."""

from __future__ import annotations

from collections import defaultdict

import pytest

from shared.clock import FakeClock
from shared.db.engine import create_engine
from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.producer import make_producer
from shared.messaging.relay import CHECKPOINT, OutboxRelay, load_checkpoint
from shared.settings import Settings
from tests.integration.messaging.conftest import OpenReader, headers_of, relay_until, visible
from tests.support.store_events import SomethingHappened, new_stream_id, some, something

pytestmark = pytest.mark.integration

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def test_events_reach_the_topic_in_commit_order(
    relay_settings: Settings, topic_reader: OpenReader
) -> None:
    settings = relay_settings.model_copy(update={"relay_batch_size": 4})  # several batches
    engine = create_engine(settings.database_url)
    store = PostgresEventStore(engine)
    producer = make_producer(settings)
    await producer.start()
    try:
        a, b, c, d = (new_stream_id() for _ in range(4))
        traced = NewEvent.of(
            SomethingHappened(n=99),
            actor=Actor.service("tests"),
            clock=FakeClock(),
            trace={"traceparent": TRACEPARENT, "tracestate": "tousu=1"},
        )
        await store.append(a, NO_STREAM, some(3))
        await store.append(b, NO_STREAM, [something(1)])
        await store.append(a, 3, [traced])
        async with engine.connect() as slow:  # takes its transaction id first, commits last
            await slow.begin()
            await store.bound(slow).append(d, NO_STREAM, some(2))
            await store.append(c, NO_STREAM, some(2))
            await store.append(b, 1, some(2))
            await slow.commit()
        await store.append(a, 4, some(2))

        stored = await visible(store, 13)
        assert len(stored) == 13
        relay = OutboxRelay(settings, engine, producer)
        await relay_until(relay, 13)
        assert await relay.relay_once() == 0
        assert relay.published == 13
        assert await load_checkpoint(engine, CHECKPOINT) == stored[-1].position

        reader = await topic_reader(settings, settings.topic_events)
        records = await reader.read_exactly(13)
    finally:
        await producer.stop()
        await engine.dispose()

    by_id = {str(e.event_id): e for e in stored}
    commit_rank = {str(e.event_id): rank for rank, e in enumerate(stored)}
    partitions_of_stream: dict[str, set[int]] = defaultdict(set)
    per_partition: dict[int, list[RecordedEvent]] = defaultdict(list)
    for record in records:
        event = by_id[headers_of(record)["event_id"]]
        assert record.key == event.stream_id.encode()
        assert record.value == event.to_wire()
        assert RecordedEvent.from_wire(record.value) == event
        headers = headers_of(record)
        assert headers["event_type"] == event.type == "SomethingHappened"
        assert headers["schema_version"] == "1"
        assert headers["stream_id"] == event.stream_id
        assert headers["stream_category"] == "complaint"  # what consumers of complaints take
        assert headers["correlation_id"] == str(event.correlation_id)
        if event.event_id == traced.event_id:
            assert headers["traceparent"] == TRACEPARENT
            assert headers["tracestate"] == "tousu=1"
        else:
            assert "traceparent" not in headers
        partitions_of_stream[event.stream_id].add(record.partition)
        per_partition[record.partition].append(event)

    assert sorted(headers_of(r)["event_id"] for r in records) == sorted(by_id)  # each exactly once
    for stream, partitions in partitions_of_stream.items():
        assert len(partitions) == 1, f"{stream} spread over partitions {partitions}"
    for partition, events in per_partition.items():  # records are in offset order
        ranks = [commit_rank[str(e.event_id)] for e in events]
        assert ranks == sorted(ranks), f"partition {partition} is not in commit order"
        for stream in {e.stream_id for e in events}:
            versions = [e.stream_version for e in events if e.stream_id == stream]
            assert versions == list(range(1, len(versions) + 1))
    # the store's order is (transaction id, position): the slow transaction wrote first, so its
    # events come first although it committed last (the follower waited for it)
    assert [e.stream_id for e in stored].index(d) < [e.stream_id for e in stored].index(c)
