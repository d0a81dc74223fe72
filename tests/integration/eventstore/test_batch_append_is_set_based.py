"""Migration 0008: `tousu_append` inserts a batch with one INSERT and keeps every guarantee."""

from __future__ import annotations

import json

import asyncpg
import pytest

from shared.db.engine import create_engine
from shared.events import Actor, NewEvent, RecordedEvent, Role
from shared.events.canonical import chain_hash
from shared.eventstore import NO_STREAM, EventIdConflict, PartialBatchConflict, PostgresEventStore
from tests.integration.eventstore.conftest import dsn
from tests.support.store_events import new_stream_id, some, something

pytestmark = pytest.mark.integration


def agent_event(n: int) -> NewEvent:
    event = something(n)
    actor = Actor(role=Role.AGENT, id=f"agent-{n}", department="quality")
    return event.model_copy(update={"actor": actor, "trace": {"traceparent": f"00-{n:032x}-{n:016x}-01"}})


async def test_batches_keep_versions_positions_hashes_and_verify(new_database) -> None:  # type: ignore[no-untyped-def]
    url = await new_database()
    engine = create_engine(url)
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    try:
        first = (await store.append(stream, NO_STREAM, [agent_event(n) for n in range(10)])).events
        second = (await store.append(stream, 10, some(10))).events
        stored = first + second
        assert [e.stream_version for e in stored] == list(range(1, 21))
        positions = [e.global_position for e in stored]
        assert positions == sorted(positions) and len(set(positions)) == 20
        previous: str | None = None
        for event in stored:  # the chain the database computed is the one Python computes
            assert event.prev_hash == previous
            link = chain_hash(bytes.fromhex(previous) if previous else None, event.content_hash())
            assert event.hash == link.hex()
            previous = event.hash
        assert await store.read_stream(stream) == stored
        report = await store.verify()
        assert report.events_checked == 20 and not report.broken

        again = await store.append(stream, 10, [_as_new(e) for e in second])
        assert again.events == second  # idempotent re-append returns the stored positions

        with pytest.raises(PartialBatchConflict):
            await store.append(stream, 20, [_as_new(second[0]), something(99)])
        changed = _as_new(second[1]).model_copy(update={"payload": {"n": -1}})
        with pytest.raises(EventIdConflict):
            await store.append(stream, 20, [changed])
        assert await store.stream_version(stream) == 20

        conn = await asyncpg.connect(dsn(url))
        try:
            body = await conn.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'tousu_append'")
        finally:
            await conn.close()
        assert "unnest(p_event_ids, p_types" in body  # the set-based version (0008) is installed
    finally:
        await engine.dispose()


def _as_new(event: RecordedEvent) -> NewEvent:
    return NewEvent(
        event_id=event.event_id,
        type=event.type,
        schema_version=event.schema_version,
        occurred_at=event.occurred_at,
        actor=event.actor,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
        trace=event.trace,
        payload=event.payload,
    )


def test_the_assembled_content_hash_is_the_canonical_one() -> None:
    from uuid import uuid4

    from shared.eventstore.postgres import encode_for_append

    caused = agent_event(3).model_copy(
        update={"causation_id": uuid4(), "payload": {"x": 0.1, "t": '投诉 "q" \\'}}
    )
    for event in [*some(3), agent_event(7), caused]:
        for stream in ("TS-1", 'odd "stream" 投诉'):
            actor, trace, payload, content_hash = encode_for_append(stream, event)
            assert content_hash == event.content_hash(stream)
            assert (json.loads(actor), json.loads(trace), json.loads(payload)) == (
                event.actor.as_dict(),
                event.trace,
                event.payload,
            )
