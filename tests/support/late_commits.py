"""Concurrent writers whose commits land out of position order: the case a store follower must
survive (a transaction that took an earlier position commits after a later one)."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import RecordedEvent
from shared.eventstore import PostgresEventStore
from tests.support.store_events import new_stream_id, some


async def write_with_late_commits(
    engine: AsyncEngine,
    store: PostgresEventStore,
    *,
    writers: int,
    appends_per_writer: int,
    seed: int,
    longest_hold: float,
) -> dict[str, RecordedEvent]:
    """Each writer appends 1–3 events at a time to a stream of its own; every third append keeps
    its transaction open for up to ``longest_hold`` seconds after appending, so later positions
    commit first. Returns every committed event by id."""
    rng = random.Random(seed)
    committed: dict[str, RecordedEvent] = {}

    async def writer(index: int) -> None:
        stream = new_stream_id()
        for n in range(appends_per_writer):
            events = some(rng.randint(1, 3))
            if (index + n) % 3 == 0:
                async with engine.begin() as conn:
                    result = await store.bound(conn).append(stream, None, events)
                    await conn.execute(text("SELECT pg_sleep(:s)"), {"s": rng.uniform(0.01, longest_hold)})
            else:
                result = await store.append(stream, None, events)
            committed.update({str(e.event_id): e for e in result.events})

    await asyncio.gather(*(writer(i) for i in range(writers)))
    return committed
