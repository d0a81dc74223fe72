"""Handler failures are retried with backoff, then dead-lettered; poison is dead-lettered at once.

Every attempt's side effects roll back with it, and no log record carries the payload.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiokafka.structs import RecordMetadata
from sqlalchemy import text

from shared.clock import FakeClock
from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import Consumer, HandlerContext, subscribe_events
from shared.messaging.dead_letters import DeadLetter
from shared.messaging.event_routes import event_headers
from shared.messaging.producer import headers_of
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import (
    PHONE,
    NewDatabase,
    TopicReader,
    assert_not_logged,
    capture_all_logs,
    find_letters,
    messaging_settings,
    original_value,
    wait_until,
)
from tests.support.backends import Backend
from tests.support.store_events import KERNEL_TEST_EVENTS, SomethingHappened, new_stream_id, something

pytestmark = pytest.mark.integration

MAX_ATTEMPTS = 3
ALWAYS = 1_000_000


@dataclass
class Harness:
    settings: Settings
    runtime: Runtime
    consumer: Consumer
    dead_letters: TopicReader
    attempts: Counter[str] = field(default_factory=Counter)
    failures: dict[str, int] = field(default_factory=dict)
    breaks: dict[str, str] = field(default_factory=dict)

    async def handle(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        event_id = str(event.event_id)
        self.attempts[event_id] += 1
        await ctx.connection.execute(
            text("INSERT INTO handler_effects (event_id, attempt) VALUES (:id, :attempt)"),
            {"id": event_id, "attempt": self.attempts[event_id]},
        )
        KERNEL_TEST_EVENTS.decode(event)  # an unknown type raises UnknownEventType
        how = self.breaks.get(event_id)
        if how == "constraint":  # the database's error names the offending row's values
            await ctx.connection.execute(
                text("INSERT INTO handler_checks (phone) VALUES (:phone)"), {"phone": event.payload["text"]}
            )
        if how == "validation":  # pydantic's error names the offending input
            SomethingHappened.model_validate({**event.payload, "n": event.payload["text"]})
        if self.attempts[event_id] <= self.failures.get(event_id, 0):
            raise RuntimeError("planned failure")

    async def publish_event(
        self, *, failures: int = 0, event: NewEvent | None = None, breaks: str | None = None
    ) -> tuple[RecordedEvent, RecordMetadata]:
        stream = new_stream_id()
        new = event or something(1, text=f"请回电 {PHONE}")
        recorded = (await self.runtime.store.append(stream, NO_STREAM, [new])).events[0]
        self.failures[str(recorded.event_id)] = failures
        if breaks:
            self.breaks[str(recorded.event_id)] = breaks
        return recorded, await self.publish(recorded.to_wire(), stream, headers_of(event_headers(recorded)))

    async def publish(
        self, value: bytes, key: str, headers: list[tuple[str, bytes]] | None = None
    ) -> RecordMetadata:
        return await self.runtime.producer.send_and_wait(
            self.settings.topic_events, value=value, key=key.encode(), headers=headers
        )

    async def effects(self, event_id: object) -> list[int]:
        async with self.runtime.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT attempt FROM handler_effects WHERE event_id = :id"), {"id": str(event_id)}
            )
            return [row.attempt for row in rows]

    async def all_letters(self) -> list[DeadLetter]:
        return [parse(r.value) for r in await self.dead_letters.poll(0.3)]

    async def handled(self, event: RecordedEvent) -> bool:
        """The consumer's position in the event's stream is at or past it."""
        async with self.runtime.engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT 1 FROM consumer_positions "
                    "WHERE consumer = :c AND stream_id = :s AND version >= :v"
                ),
                {"c": self.consumer.name, "s": event.stream_id, "v": event.stream_version},
            )
            return row.first() is not None

    async def letter_row(self, event: RecordedEvent) -> dict[str, object] | None:
        async with self.runtime.engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT status, reason, attempts, stream_id, stream_version, event_type, sealed_value "
                    "FROM dead_letters WHERE consumer = :c AND message_id = :id"
                ),
                {"c": self.consumer.name, "id": str(event.event_id)},
            )
            found = row.mappings().first()
            return dict(found) if found else None


@pytest.fixture(scope="module")
async def harness(new_database: NewDatabase, kafka_backend: Backend) -> AsyncIterator[Harness]:
    settings = messaging_settings(
        await new_database(), kafka_backend, consumer_max_attempts=MAX_ATTEMPTS, consumer_backoff_seconds=0.01
    )
    await ensure_topics(settings)
    runtime = Runtime(f"dlq-{uuid.uuid4().hex[:8]}", settings, FakeClock(), run_relay=False)
    consumer = runtime.consumer()
    dead_letters = TopicReader(settings, settings.topic_dead_letters)
    harness = Harness(settings, runtime, consumer, dead_letters)
    subscribe_events(
        runtime.broker, consumer, settings.topic_events, harness.handle, categories=None, description="test"
    )
    async with runtime.engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE handler_effects (event_id text NOT NULL, attempt int NOT NULL)")
        )
        await conn.execute(text("CREATE TABLE handler_checks (phone text CHECK (length(phone) < 5))"))
    await runtime.start()
    await dead_letters.start()
    yield harness
    await dead_letters.stop()
    await runtime.stop()


def concerning(event: RecordedEvent):
    return lambda letter: str(event.event_id).encode() in original_value(letter)


async def test_a_transient_failure_is_retried_and_succeeds(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    letters_before = harness.consumer.dead_lettered
    event, _ = await harness.publish_event(failures=2)

    await wait_until(lambda: harness.handled(event))
    assert harness.attempts[str(event.event_id)] == 3
    assert await harness.effects(event.event_id) == [3]  # the two failed attempts left nothing
    assert harness.consumer.dead_lettered == letters_before
    assert not [letter for letter in await harness.all_letters() if concerning(event)(letter)]
    retries = [r for r in caplog.records if r.getMessage() == "handler failed; will retry"]
    assert [(r.attempt, r.error, r.message_id) for r in retries] == [  # type: ignore[attr-defined]
        (1, "RuntimeError", str(event.event_id)),
        (2, "RuntimeError", str(event.event_id)),
    ]
    assert_not_logged(caplog.records, PHONE)


async def test_a_persistent_failure_is_dead_lettered_after_the_last_attempt(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    event, sent = await harness.publish_event(failures=ALWAYS)

    [letter] = await find_letters(harness.dead_letters, concerning(event))
    assert letter.consumer == harness.consumer.name
    assert letter.reason == "RuntimeError: planned failure"
    assert letter.attempts == MAX_ATTEMPTS == harness.attempts[str(event.event_id)]
    assert (letter.original_topic, letter.original_partition, letter.original_offset) == (
        harness.settings.topic_events,
        sent.partition,
        sent.offset,
    )
    assert letter.original_key == event.stream_id
    assert letter.original_headers["event_id"] == str(event.event_id)
    assert letter.original_headers["event_type"] == "SomethingHappened"
    assert original_value(letter) == event.to_wire()
    assert letter.failed_at == "2026-01-05T01:00:00.000000Z"  # the runtime's clock
    assert await harness.effects(event.event_id) == []  # rolled back every time
    assert await harness.letter_row(event) == {  # kept durably, moving the consumer past it
        "status": "open",
        "reason": "RuntimeError: planned failure",
        "attempts": MAX_ATTEMPTS,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_type": "SomethingHappened",
        "sealed_value": None,  # the store holds the event
    }
    assert await harness.handled(event)
    record = next(r for r in harness.dead_letters.records if concerning(event)(parse(r.value)))
    assert record.key == event.stream_id.encode()
    assert dict(record.headers) == {
        "consumer": harness.consumer.name.encode(),
        "reason": letter.reason.encode(),
    }
    dead_lettered = [r for r in caplog.records if r.getMessage() == "message dead-lettered"]
    assert [(r.offset, r.reason) for r in dead_lettered] == [(sent.offset, letter.reason)]  # type: ignore[attr-defined]
    assert_not_logged(caplog.records, PHONE)


@pytest.mark.parametrize(
    ("breaks", "reason", "errors"),
    [
        ("constraint", "IntegrityError (CheckViolationError, SQLSTATE 23514)", []),
        (
            "validation",
            "ValidationError: invalid SomethingHappened, 1 error(s)",
            [
                {
                    "field": "n",
                    "type": "int_parsing",
                    "message": "Input should be a valid integer, unable to parse string as an integer",
                }
            ],
        ),
    ],
)
async def test_a_failure_quoting_the_data_is_dead_lettered_without_it(
    harness: Harness, caplog: pytest.LogCaptureFixture, breaks: str, reason: str, errors: list[object]
) -> None:
    capture_all_logs(caplog)
    event, _ = await harness.publish_event(breaks=breaks)

    [letter] = await find_letters(harness.dead_letters, concerning(event))
    assert letter.attempts == MAX_ATTEMPTS == harness.attempts[str(event.event_id)]
    assert letter.reason == reason
    assert letter.errors == errors
    assert PHONE not in letter.model_dump_json(exclude={"original_value_base64"})
    assert await harness.effects(event.event_id) == []
    assert_not_logged(caplog.records, PHONE)


async def test_garbage_is_dead_lettered_at_once_with_field_level_reasons(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    marker = uuid.uuid4().hex
    not_json = await harness.publish(f"{marker} 请回电 {PHONE} {{".encode(), "garbage")
    not_an_event_value = json.dumps(
        {"marker": marker, "event_id": "not-a-uuid", "type": "SomethingHappened", "phone": PHONE}
    ).encode()
    not_an_event = await harness.publish(not_an_event_value, "not-an-event")
    not_utf8 = await harness.publish(marker.encode() + b"\xff\xfe" + PHONE.encode(), "not-utf8")

    letters = await find_letters(
        harness.dead_letters, lambda letter: marker.encode() in original_value(letter), count=3
    )
    by_key = {letter.original_key: letter for letter in letters}
    assert set(by_key) == {"garbage", "not-an-event", "not-utf8"}
    for letter, sent in [
        (by_key["garbage"], not_json),
        (by_key["not-an-event"], not_an_event),
        (by_key["not-utf8"], not_utf8),
    ]:
        assert letter.reason == "invalid message"
        assert letter.attempts == 1
        assert (letter.original_partition, letter.original_offset) == (sent.partition, sent.offset)
        assert PHONE not in letter.model_dump_json(exclude={"original_value_base64"})
        assert all(set(error) == {"field", "type", "message"} for error in letter.errors)
    assert original_value(by_key["not-an-event"]) == not_an_event_value
    assert [e["type"] for e in by_key["garbage"].errors] == ["json_invalid"]
    assert [e["type"] for e in by_key["not-utf8"].errors] == ["json_invalid"]
    reasons = {(e["field"], e["type"]) for e in by_key["not-an-event"].errors}
    assert {
        ("event_id", "uuid_parsing"),
        ("stream_id", "missing"),
        ("payload", "missing"),
        ("phone", "extra_forbidden"),
        ("marker", "extra_forbidden"),
    } <= reasons
    assert not harness.attempts.keys() & {"garbage", "not-an-event"}  # the handler never saw them
    assert_not_logged(caplog.records, PHONE)


async def test_an_unknown_event_type_is_dead_lettered_at_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    unknown = NewEvent(
        type="SomethingUnheardOf",
        schema_version=1,
        occurred_at=FakeClock().now(),
        actor=Actor.service("tests"),
        correlation_id=uuid.uuid4(),
        payload={"text": PHONE},
    )
    event, sent = await harness.publish_event(event=unknown)

    [letter] = await find_letters(harness.dead_letters, concerning(event))
    assert letter.reason == "unknown event type 'SomethingUnheardOf' (schema version 1)"
    assert letter.attempts == 1 == harness.attempts[str(event.event_id)]
    assert letter.original_offset == sent.offset
    assert await harness.effects(event.event_id) == []
    assert (await harness.letter_row(event) or {})["attempts"] == 1
    assert_not_logged(caplog.records, PHONE)


def parse(value: bytes | None) -> DeadLetter:
    assert value is not None
    return DeadLetter.model_validate_json(value)
