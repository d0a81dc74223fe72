"""A reader following the store by position sees every committed event exactly once.

A plain bigserial cursor skips an event whose transaction took its position first but committed
last; the store's commit-order cursor waits for it instead.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine
from shared.events import START, Position, RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore, StaleTransaction
from tests.support.horizon import settled
from tests.support.late_commits import write_with_late_commits
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_out_of_order_commit_is_not_skipped(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database())
    store = PostgresEventStore(engine)
    naive_cursor = 0
    try:
        async with engine.connect() as slow:
            await slow.begin()
            early = await store.bound(slow).append(new_stream_id(), NO_STREAM, [something(1)])
            late = await store.append(new_stream_id(), NO_STREAM, [something(2)])  # commits first
            assert early.events[0].global_position < late.events[0].global_position

            async with engine.connect() as reader:
                rows = (
                    await reader.execute(
                        text("SELECT global_position FROM events WHERE global_position > :p ORDER BY 1"),
                        {"p": naive_cursor},
                    )
                ).all()
            naive_cursor = rows[-1].global_position  # the naive reader moves past the slow one
            assert await store.read_all(START) == []  # ours waits for the older transaction
            await slow.commit()

        async with engine.connect() as reader:
            rows = (
                await reader.execute(
                    text("SELECT global_position FROM events WHERE global_position > :p"), {"p": naive_cursor}
                )
            ).all()
        assert rows == []  # the naive reader has lost the early event for good
        await settled(store)
        seen = [e.event_id for e in await store.read_all(START)]
        assert seen == [early.events[0].event_id, late.events[0].event_id]
    finally:
        await engine.dispose()


async def test_concurrent_appenders_with_delayed_commits(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database(), pool_size=30)
    store = PostgresEventStore(engine)
    done = asyncio.Event()

    seen: list[RecordedEvent] = []

    async def follower() -> None:
        position = Position()
        settled_once = False
        while True:
            batch = await store.read_all(position, limit=37)
            if batch:
                seen.extend(batch)
                position = batch[-1].position
            elif done.is_set():
                if settled_once:
                    return
                await settled(store)  # parallel tests' transactions may hold the horizon back
                settled_once = True
            else:
                await asyncio.sleep(0.005)

    follow = asyncio.create_task(follower())
    try:
        committed = await write_with_late_commits(
            engine, store, writers=24, appends_per_writer=15, seed=7, longest_hold=0.15
        )
        done.set()
        await asyncio.wait_for(follow, 30)
    finally:
        await engine.dispose()

    ids = [str(e.event_id) for e in seen]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert set(ids) == set(committed), f"missed {len(set(committed) - set(ids))} committed events"
    versions: dict[str, list[int]] = defaultdict(list)
    for event in seen:
        versions[event.stream_id].append(event.stream_version)
    for stream, numbers in versions.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"stream {stream} out of order"


async def test_a_transaction_older_than_the_streams_last_writer_must_retry(new_database) -> None:  # type: ignore[no-untyped-def]
    """Commit order must be stream order: a consumer's transaction takes its id when it records the
    message id, then appends; if another transaction appended to the same stream meanwhile, the
    older one is refused (and retried in a new transaction) instead of slotting in before it."""
    engine = create_engine(await new_database())
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    try:
        await store.append(stream, NO_STREAM, [something(1)])
        async with engine.connect() as older:
            await older.begin()
            await older.execute(text("INSERT INTO processed_events (consumer, event_id) VALUES ('t', 'x')"))
            await store.append(stream, 1, [something(2)])  # a newer transaction commits version 2
            with pytest.raises(StaleTransaction):
                await store.bound(older).append(stream, 2, [something(3)])
            await older.rollback()
        await store.append(stream, 2, [something(3)])  # the retry, in a new transaction
        await settled(store)
        followed = await store.read_all(START)
        assert [e.stream_version for e in followed if e.stream_id == stream] == [1, 2, 3]
    finally:
        await engine.dispose()
