"""The envelope: how an event is wrapped, how it travels, and what its hash covers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from shared.clock import FakeClock
from shared.events import START, Actor, NewEvent, Position, RecordedEvent, Role, canonical_json
from shared.eventstore import NO_STREAM, InMemoryEventStore
from tests.support.store_events import SomethingHappened, something

pytestmark = pytest.mark.unit

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def stored(*events: NewEvent, stream: str = "TS-20260105-0001") -> list[RecordedEvent]:
    return (await InMemoryEventStore().append(stream, NO_STREAM, list(events))).events


def test_of_fills_the_envelope_from_payload_actor_and_clock() -> None:
    clock = FakeClock()
    actor = Actor(role=Role.AGENT, id="agent-wang", department="quality")
    event = NewEvent.of(SomethingHappened(n=3), actor=actor, clock=clock, trace={})
    assert event.type == "SomethingHappened"
    assert event.schema_version == 1
    assert event.occurred_at == clock.now()
    assert event.actor == actor
    assert event.payload == {"n": 3, "text": "投诉 complaint ✓", "ratio": 0.3}
    assert event.causation_id is None
    assert isinstance(event.correlation_id, uuid.UUID)
    assert event.correlation_id != event.event_id


def test_every_flow_without_a_cause_gets_a_new_correlation() -> None:
    assert something(1).correlation_id != something(2).correlation_id
    assert something(1).event_id != something(1).event_id


async def test_a_caused_event_follows_its_cause() -> None:
    [cause] = await stored(something(1))
    effect = NewEvent.of(
        SomethingHappened(n=2), actor=Actor.service("routing"), clock=FakeClock(), causation=cause
    )
    assert effect.correlation_id == cause.correlation_id
    assert effect.causation_id == cause.event_id


async def test_a_given_correlation_wins_over_the_cause() -> None:
    [cause] = await stored(something(1))
    chosen = uuid.uuid4()
    event_id = uuid.uuid4()
    effect = NewEvent.of(
        SomethingHappened(n=2),
        actor=Actor.service("routing"),
        clock=FakeClock(),
        causation=cause,
        correlation_id=chosen,
        event_id=event_id,
    )
    assert (effect.correlation_id, effect.causation_id, effect.event_id) == (chosen, cause.event_id, event_id)


def test_the_current_trace_context_is_captured_unless_given() -> None:
    assert NewEvent.of(SomethingHappened(n=1), actor=Actor.service("t"), clock=FakeClock()).trace == {}
    tracer = TracerProvider().get_tracer("tests")  # not installed globally: context is enough
    with tracer.start_as_current_span("request") as span:
        captured = NewEvent.of(SomethingHappened(n=1), actor=Actor.service("t"), clock=FakeClock())
        given = NewEvent.of(
            SomethingHappened(n=1),
            actor=Actor.service("t"),
            clock=FakeClock(),
            trace={"traceparent": TRACEPARENT},
        )
    context = span.get_span_context()
    assert captured.trace["traceparent"].startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")
    assert given.trace == {"traceparent": TRACEPARENT}


def test_occurred_at_must_be_aware_and_is_kept_in_utc() -> None:
    event = something(1)
    fields = event.model_dump() | {
        "occurred_at": datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    }
    assert NewEvent(**fields).occurred_at == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    assert NewEvent(**fields).occurred_at.tzinfo is UTC
    with pytest.raises(ValidationError, match="naive"):
        NewEvent(**(fields | {"occurred_at": datetime(2026, 1, 5, 9, 0)}))


def test_envelopes_are_frozen_and_closed() -> None:
    event = something(1)
    with pytest.raises(ValidationError):
        event.type = "Other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        NewEvent(**event.model_dump(), stray=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SomethingHappened(n=1, stray=2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Actor(role=Role.AGENT, id="")


async def test_the_wire_form_round_trips_exactly() -> None:
    [event] = await stored(
        NewEvent.of(
            SomethingHappened(n=7),
            actor=Actor.service("intake"),
            clock=FakeClock(),
            trace={"traceparent": TRACEPARENT},
        )
    )
    wire = event.to_wire()
    back = RecordedEvent.from_wire(wire)
    assert back == event
    assert back.to_wire() == wire
    assert RecordedEvent.from_wire(wire.decode()) == event  # str works too
    decoded = json.loads(wire)
    assert list(decoded) == sorted(decoded)  # canonical: sorted keys
    assert decoded["occurred_at"] == "2026-01-05T01:00:00.000000Z"
    assert decoded["payload"]["text"] == "投诉 complaint ✓"
    assert decoded["trace"] == {"traceparent": TRACEPARENT}
    assert decoded["hash"] == event.hash
    assert decoded["prev_hash"] is None


def test_the_wire_form_refuses_what_is_not_an_event() -> None:
    with pytest.raises(ValidationError):
        RecordedEvent.from_wire(b"not json")
    with pytest.raises(ValidationError):
        RecordedEvent.from_wire(b'{"event_id": "x"}')


async def test_the_content_hash_is_the_same_before_and_after_storing() -> None:
    new = something(1)
    [event] = await stored(new, stream="TS-A")
    assert new.content_hash("TS-A") == event.content_hash()
    assert new.content_hash("TS-B") != event.content_hash()  # the stream is part of the content
    # the store's own facts are outside the content hash
    moved = event.model_copy(
        update={"global_position": 99, "tx_id": 42, "recorded_at": datetime(2030, 1, 1, tzinfo=UTC)}
    )
    assert moved.content_hash() == event.content_hash()
    # the same instant in another zone is the same content
    shifted = event.model_copy(
        update={"occurred_at": event.occurred_at.astimezone(timezone(timedelta(hours=8)))}
    )
    assert shifted.content_hash() == event.content_hash()
    for change in (
        {"payload": {**event.payload, "n": 2}},
        {"actor": Actor.service("someone-else")},
        {"occurred_at": event.occurred_at + timedelta(microseconds=1)},
        {"trace": {"traceparent": TRACEPARENT}},
        {"causation_id": uuid.uuid4()},
    ):
        assert event.model_copy(update=change).content_hash() != event.content_hash(), change


def test_the_content_hash_of_a_fixed_event_never_changes() -> None:
    """Golden value: a change here means every stored chain would stop verifying."""
    event = NewEvent(
        event_id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        type="SomethingHappened",
        schema_version=1,
        occurred_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        actor=Actor.service("tests"),
        correlation_id=uuid.UUID("00000000-0000-4000-8000-000000000002"),
        payload={"n": 1, "text": "投诉", "ratio": 0.3},
    )
    assert (
        canonical_json(event.hashed_fields("TS-1"))
        == (
            '{"actor":{"department":null,"id":"tests","role":"service"},"causation_id":null,'
            '"correlation_id":"00000000-0000-4000-8000-000000000002",'
            '"event_id":"00000000-0000-4000-8000-000000000001","occurred_at":"2026-01-05T01:00:00.000000Z",'
            '"payload":{"n":1,"ratio":0.3,"text":"投诉"},"schema_version":1,"stream_id":"TS-1",'
            '"trace":{},"type":"SomethingHappened"}'
        ).encode()
    )
    assert (
        event.content_hash("TS-1").hex() == "fe101cfc20676b61b9a47098f1ada52971a42bc12e2c659ff86dea77bd39dccc"
    )


def test_positions_order_and_parse() -> None:
    assert Position(tx_id=0, global_position=0) == START
    position = Position(tx_id=812, global_position=40)
    assert str(position) == "812:40"
    assert Position.parse("812:40") == position
    assert Position(tx_id=811, global_position=99).as_tuple() < position.as_tuple()
