"""A consumer handles what Kafka never delivered, from the store: exactly once, each stream in
order, never before the grace has passed, and never skipping an event committed late.

No relay runs here, so Kafka carries nothing: everything the handler sees came from the store.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.catch_up import StoreCatchUp
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, messaging_settings
from tests.support.backends import Backend
from tests.support.horizon import settled
from tests.support.late_commits import write_with_late_commits
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


@dataclass
class Following:
    runtime: Runtime
    catch_up: StoreCatchUp
    handled: list[RecordedEvent] = field(default_factory=list)

    async def handle(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        self.handled.append(event)

    def versions(self) -> dict[str, list[int]]:
        by_stream: dict[str, list[int]] = defaultdict(list)
        for event in self.handled:
            by_stream[event.stream_id].append(event.stream_version)
        return by_stream


async def following(settings: Settings) -> Following:
    runtime = Runtime(f"catch-up-{uuid.uuid4().hex[:8]}", settings, run_relay=False, run_catch_up=False)
    consumer = runtime.consumer()
    subject = Following(runtime, runtime.catch_ups[-1])
    subscribe_events(
        runtime.broker, consumer, settings.topic_events, subject.handle, categories=None, description="test"
    )
    return subject  # never started: no Kafka subscription runs, only the store is followed


@pytest.fixture
async def immediate(new_database: NewDatabase, kafka_backend: Backend) -> AsyncIterator[Following]:
    subject = await following(
        messaging_settings(await new_database(), kafka_backend, catch_up_grace_seconds=0)
    )
    yield subject
    await subject.runtime.engine.dispose()


async def test_what_kafka_never_delivered_is_handled_from_the_store_once(immediate: Following) -> None:
    store = immediate.runtime.store
    first, second = new_stream_id(), new_stream_id()
    await store.append(first, NO_STREAM, some(3))
    await store.append(second, NO_STREAM, some(2))
    await store.append(first, 3, some(1))
    await settled(store)

    report = await immediate.catch_up.catch_up()
    again = await immediate.catch_up.catch_up()

    assert report.handled == 6 and again.handled == 0
    assert immediate.versions() == {first: [1, 2, 3, 4], second: [1, 2]}
    assert immediate.runtime.consumers[0].processed == 6


async def test_an_event_younger_than_the_grace_is_left_to_kafka(
    new_database: NewDatabase, kafka_backend: Backend
) -> None:
    subject = await following(
        messaging_settings(await new_database(), kafka_backend, catch_up_grace_seconds=3600)
    )
    try:
        await subject.runtime.store.append(new_stream_id(), NO_STREAM, some(2))
        await settled(subject.runtime.store)
        report = await subject.catch_up.catch_up()
        assert (report.handled, report.waiting) == (0, True)
        assert subject.handled == []
        async with subject.runtime.engine.connect() as conn:
            checkpoint = (
                await conn.execute(
                    text("SELECT global_position FROM follower_checkpoints WHERE name = :n"),
                    {"n": f"consumer:{subject.runtime.consumers[0].name}"},
                )
            ).scalar()
        assert checkpoint is None  # not moved past what it has not handled
    finally:
        await subject.runtime.engine.dispose()


async def test_the_catch_up_skips_nothing_committed_late(immediate: Following) -> None:
    """Writers append concurrently, some holding their transaction open after the append (so a
    later position commits first), while the catch-up runs again and again: every committed event
    is handled exactly once, each stream's in order."""
    runtime = immediate.runtime
    engine, store = runtime.engine, runtime.store
    done = asyncio.Event()

    async def catching_up() -> None:
        while not done.is_set():
            await immediate.catch_up.catch_up()
            await asyncio.sleep(0.01)
        await settled(store)  # other databases' transactions (parallel tests) hold the horizon back
        for _ in range(3):  # and once everything is committed
            await immediate.catch_up.catch_up()

    follower = asyncio.create_task(catching_up())
    committed = set(
        await write_with_late_commits(
            engine, store, writers=16, appends_per_writer=10, seed=11, longest_hold=0.12
        )
    )
    done.set()
    await asyncio.wait_for(follower, 60)

    ids = Counter(str(e.event_id) for e in immediate.handled)
    assert not [event_id for event_id, times in ids.items() if times > 1], "an event was handled twice"
    assert set(ids) == committed, f"missed {len(committed - set(ids))} committed events"
    for stream, versions in immediate.versions().items():
        assert versions == list(range(1, len(versions) + 1)), f"stream {stream} out of order"
