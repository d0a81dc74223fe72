"""A relay that dies after publishing but before moving its checkpoint loses nothing.

At least once: the successor republishes exactly the batch whose checkpoint was not saved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import pytest

from shared.db.engine import create_engine
from shared.events import START
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging import relay as relay_module
from shared.messaging.producer import make_producer
from shared.messaging.relay import CHECKPOINT, OutboxRelay, load_checkpoint
from shared.settings import Settings
from tests.integration.messaging.conftest import OpenReader, headers_of, relay_until, visible, wait_until
from tests.support.horizon import settled
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


class Crash(Exception):
    """The process dies here."""


async def test_successor_republishes_only_the_unsaved_batch(
    relay_settings: Settings, topic_reader: OpenReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(relay_settings.database_url)
    store = PostgresEventStore(engine)
    producer = make_producer(relay_settings)
    await producer.start()
    try:
        first_stream, second_stream = new_stream_id(), new_stream_id()
        await store.append(first_stream, NO_STREAM, some(5))
        doomed = OutboxRelay(relay_settings, engine, producer)
        await relay_until(doomed, 5)
        saved = await load_checkpoint(engine, CHECKPOINT)
        assert saved == doomed.position

        unsaved = (await store.append(second_stream, NO_STREAM, some(3))).events
        await visible(store, 3, after=saved)  # so the next batch is exactly these three
        real_save = relay_module.save_checkpoint
        calls = 0

        async def dies_before_saving(*args: object, **kwargs: object) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise Crash()
            await real_save(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(relay_module, "save_checkpoint", dies_before_saving)
        with pytest.raises(Crash):
            await doomed.relay_once()  # published the batch, then died
        assert await load_checkpoint(engine, CHECKPOINT) == saved

        more = (await store.append(first_stream, 5, some(2))).events
        successor = OutboxRelay(relay_settings, engine, producer)
        task = asyncio.create_task(successor.run())
        try:
            await wait_until(lambda: successor.published >= 5)
            await asyncio.sleep(0.5)  # and nothing more
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert successor.published == 5
        await settled(store)
        everything = await store.read_all(START)
        assert await load_checkpoint(engine, CHECKPOINT) == everything[-1].position

        records = await topic_reader(relay_settings, relay_settings.topic_events)
        published = await records.read_exactly(5 + 3 + 3 + 2)
    finally:
        await producer.stop()
        await engine.dispose()

    counts = Counter(headers_of(r)["event_id"] for r in published)
    assert set(counts) == {str(e.event_id) for e in everything}  # none missing
    duplicated = {event_id for event_id, n in counts.items() if n > 1}
    assert duplicated == {str(e.event_id) for e in unsaved}  # exactly the un-checkpointed batch
    assert all(counts[str(e.event_id)] == 1 for e in more)
    # on its partition, the second stream reads 1 2 3 1 2 3: each copy is in order
    versions = [
        int(r.value.split(b'"stream_version":')[1].split(b",")[0])
        for r in published
        if r.key == second_stream.encode()
    ]
    assert versions == [1, 2, 3, 1, 2, 3]
