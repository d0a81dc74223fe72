"""Reads skip validation and SQLAlchemy rows (issue 7): the events must be exactly the validated ones."""

from __future__ import annotations

import pytest

from shared.db.engine import create_engine
from shared.events import START, Actor, RecordedEvent, Role
from shared.events.canonical import canonical_json
from shared.eventstore import NO_STREAM, PostgresEventStore
from tests.support.store_events import new_stream_id, some, something

pytestmark = pytest.mark.integration


def validated(event: RecordedEvent) -> RecordedEvent:
    return RecordedEvent.model_validate(event.model_dump(mode="json"))


async def test_reads_equal_validated_events_and_the_same_wire_bytes(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database())
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    try:
        agent = Actor(role=Role.AGENT, id="agent-7", department="quality")
        traced = something(1).model_copy(update={"actor": agent, "trace": {"traceparent": "00-ab-cd-01"}})
        appended = (await store.append(stream, NO_STREAM, [traced, *some(2)])).events
        by_stream = await store.read_stream(stream)
        followed = await store.read_all(START, 10)
        period = [e async for e in store.read_period()]
        for events in (by_stream, followed, period):
            assert events == appended
            for event in events:
                assert event == validated(event)
                assert event.model_fields_set == set(RecordedEvent.model_fields)
                assert event.to_wire() == canonical_json(event.model_dump(mode="python"))
                assert RecordedEvent.from_wire(event.to_wire()) == event
        # cached actors and traces are shared safely: each event has its own trace dict
        again = await store.read_stream(stream)
        assert again[1].trace is not by_stream[1].trace
        assert again[0].actor == agent and again[0].trace == {"traceparent": "00-ab-cd-01"}
    finally:
        await engine.dispose()


async def test_a_bound_store_reads_its_own_uncommitted_events(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database())
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    try:
        async with engine.connect() as conn, conn.begin():
            bound = store.bound(conn)
            assert await bound.read_stream(stream) == []  # the first statement of the transaction
            appended = (await bound.append(stream, NO_STREAM, some(2))).events
            assert await bound.read_stream(stream) == appended
            assert await store.read_stream(stream) == []  # not committed yet
            await conn.rollback()
        assert await store.read_stream(stream) == []
    finally:
        await engine.dispose()


def test_wire_bytes_are_canonical_for_any_time_zone_and_missing_causation() -> None:
    from datetime import UTC, datetime, timedelta, timezone
    from uuid import uuid4

    for zone in (UTC, timezone(timedelta(hours=8))):
        for causation in (None, uuid4()):
            event = RecordedEvent(
                event_id=uuid4(),
                stream_id="TS-1",
                stream_version=1,
                global_position=1,
                tx_id=7,
                type="SomethingHappened",
                schema_version=1,
                occurred_at=datetime(2026, 3, 1, 8, 0, 0, 5, tzinfo=zone),
                recorded_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
                actor=Actor(role=Role.SERVICE, id="tests"),
                correlation_id=uuid4(),
                causation_id=causation,
                payload={"text": "投诉 ✓", "n": 1},
                hash="ab",
            )
            assert event.to_wire() == canonical_json(event.model_dump(mode="python"))
