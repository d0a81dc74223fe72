"""Reads skip validation and SQLAlchemy rows (replay speed): the events must be exactly the validated ones."""

from __future__ import annotations

import pytest

from shared.db.engine import create_engine
from shared.events import START, Actor, RecordedEvent, Role
from shared.events.canonical import canonical_json
from shared.eventstore import NO_STREAM, PostgresEventStore
from tests.support.horizon import settled
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
        await settled(store)
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


async def test_payloads_read_back_as_json_loads_reads_the_stored_text(new_database) -> None:  # type: ignore[no-untyped-def]
    """Payloads are parsed by pydantic-core (replay speed): the same values and types as json.loads
    gives for the text PostgreSQL prints (big integers, floats jsonb prints without an exponent,
    escapes, deep nesting), hashes in hex and UUIDs of the driver's type as before, in all three reads."""
    import asyncio
    import json

    import asyncpg
    from sqlalchemy.engine import make_url

    from tests.unit.kernel.test_stored_json_decoding import same

    url = await new_database()
    engine = create_engine(url)
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    payloads: list[dict[str, object]] = [
        {"n": 2**70, "neg": -(2**64) - 1, "tiny": 1e-7, "huge": 1e300, "half": 1.5, "zero": -0.0},
        {"text": '投诉 ✓ \u0001 "quoted" \\ \n', "nested": {"a": [1, [2, [3, {"b": None}]]]}, "t": True},
        {"deep": json.loads("[" * 250 + "]" * 250), "float32": 0.30000001192092896, "min": 5e-324},
    ]
    try:
        events = [something(1).model_copy(update={"payload": p}) for p in payloads]
        appended = (await store.append(stream, NO_STREAM, events)).events
        conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        try:
            rows = await conn.fetch(
                "SELECT payload::text, prev_hash, hash, event_id, correlation_id FROM events "
                "WHERE stream_id = $1 ORDER BY stream_version",
                stream,
            )
        finally:
            await conn.close()
        followed = await store.read_all(START, 10)
        for _ in range(100):  # read_all waits for transactions older than ours, anywhere on the server
            if followed:
                break
            await asyncio.sleep(0.1)
            followed = await store.read_all(START, 10)
        by_stream = await store.read_stream(stream)
        assert [e.event_id for e in by_stream] == [e.event_id for e in appended]
        for events_read in (by_stream, followed, [e async for e in store.read_period()]):
            assert events_read == by_stream
            for event, row in zip(events_read, rows, strict=True):
                assert same(event.payload, json.loads(row["payload"]))
                assert event.prev_hash == (row["prev_hash"].hex() if row["prev_hash"] is not None else None)
                assert event.hash == row["hash"].hex()
                for name in ("event_id", "correlation_id"):  # the driver's own UUID type, as before
                    assert getattr(event, name) == row[name] and type(getattr(event, name)) is type(row[name])
    finally:
        await engine.dispose()
