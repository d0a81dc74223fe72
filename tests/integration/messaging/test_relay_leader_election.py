"""One relay leads per database (advisory lock); when it goes, a standby takes over."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

import pytest

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.producer import make_producer
from shared.messaging.relay import OutboxRelay
from shared.settings import Settings
from tests.integration.messaging.conftest import OpenReader, headers_of, wait_until
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_one_leader_and_a_standby_takes_over(
    relay_settings: Settings, topic_reader: OpenReader
) -> None:
    engines = [create_engine(relay_settings.database_url, pool_size=2) for _ in range(2)]
    producers = [make_producer(relay_settings) for _ in range(2)]
    for producer in producers:
        await producer.start()
    relays = [OutboxRelay(relay_settings, e, p) for e, p in zip(engines, producers, strict=True)]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    store = PostgresEventStore(engines[0])
    try:
        await wait_until(lambda: any(r.is_leader for r in relays), within=5)
        await asyncio.sleep(1.5)  # the standby polls the lock every second
        assert sum(r.is_leader for r in relays) == 1
        leader_index = 0 if relays[0].is_leader else 1
        leader, standby = relays[leader_index], relays[1 - leader_index]

        stream = new_stream_id()
        await store.append(stream, NO_STREAM, [something(1)])
        await wait_until(lambda: leader.published == 1)
        assert standby.published == 0

        tasks[leader_index].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tasks[leader_index]
        assert not leader.is_leader
        cancelled_at = time.monotonic()
        await wait_until(lambda: standby.is_leader, within=5)
        takeover = time.monotonic() - cancelled_at
        assert takeover < 3, f"takeover took {takeover:.1f}s"

        await store.append(stream, 1, [something(2)])
        await wait_until(lambda: standby.published == 1)
        reader = await topic_reader(relay_settings, relay_settings.topic_events)
        records = await reader.read_exactly(2)  # the new leader resumed from the checkpoint
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for producer in producers:
            await producer.stop()
        for engine in engines:
            await engine.dispose()
    assert all(n == 1 for n in Counter(headers_of(r)["event_id"] for r in records).values())
    assert [headers_of(r)["stream_id"] for r in records] == [stream, stream]
    assert records[0].offset < records[1].offset
