"""A service with two consumers whose handlers fail on demand, its HTTP app, and its database.

One consumer handles stored events (``<name>-events``, SomethingHappened only), the other plain
JSON notes on a topic of their own (``<name>-notes``, deduplicated by note id). A handler records
its effect in ``effects`` (in the handling transaction: a failed attempt leaves nothing) and fails
while its event or note id is in ``broken``. The relay and the catch-up loop run, as in a service:
stored events reach the consumer over Kafka, and a letter marked for retry is picked up within
``catch_up_interval_seconds``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiokafka.structs import RecordMetadata
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from shared.clock import FakeClock
from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import Consumer, Decoded, HandlerContext, subscribe, subscribe_events
from shared.messaging.dead_letter_admin import DeadLetterView, get_letter
from shared.messaging.dead_letters import LetterDraft, record_letter
from shared.messaging.deliveries import Origin
from shared.messaging.topics import ensure_topics
from shared.service.app import create_service_app
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import PHONE, NewDatabase, messaging_settings, wait_until
from tests.support.auth import test_tokens
from tests.support.backends import Backend
from tests.support.running import running
from tests.support.store_events import new_stream_id, something

MAX_ATTEMPTS = 3
OTHER_CONSUMER = "elsewhere"
"""A consumer of another service: its letters are in the same table, not this service's."""


class Note(BaseModel):
    """A plain message (not a stored event): handled once per note id."""

    model_config = ConfigDict(extra="forbid")

    note_id: str
    text: str


def decode_note(value: bytes) -> Decoded[Note]:
    note = Note.model_validate_json(value)
    return Decoded(note, f"note:{note.note_id}", {}, "Note")


@dataclass
class Harness:
    settings: Settings
    runtime: Runtime
    app: FastAPI
    client: httpx.AsyncClient = field(init=False)
    events: Consumer = field(init=False)
    notes: Consumer = field(init=False)
    broken: set[str] = field(default_factory=set)
    attempts: Counter[str] = field(default_factory=Counter)

    async def _effect(self, key: str, ctx: HandlerContext) -> None:
        self.attempts[key] += 1
        await ctx.connection.execute(text("INSERT INTO effects (key) VALUES (:key)"), {"key": key})
        if key in self.broken:
            raise RuntimeError("planned failure")

    async def handle_event(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        await self._effect(str(event.event_id), ctx)

    async def handle_note(self, note: Note, ctx: HandlerContext) -> None:
        await self._effect(f"note:{note.note_id}", ctx)

    async def store_event(self, *, broken: bool = True) -> RecordedEvent:
        """A SomethingHappened whose text is personal-looking; the relay publishes it."""
        new = something(1, text=f"请回电 {PHONE}")
        if broken:
            self.broken.add(str(new.event_id))
        return (await self.runtime.store.append(new_stream_id(), NO_STREAM, [new])).events[0]

    async def store_ignored_event(self) -> RecordedEvent:
        """An event of a type the events consumer does not handle (passed over)."""
        new = NewEvent(
            type="SomethingIgnored",
            schema_version=1,
            occurred_at=FakeClock().now(),
            actor=Actor.service("tests"),
            correlation_id=uuid.uuid4(),
            payload={},
        )
        return (await self.runtime.store.append(new_stream_id(), NO_STREAM, [new])).events[0]

    async def publish_note(self, note: Note, *, broken: bool = True) -> RecordMetadata:
        if broken:
            self.broken.add(f"note:{note.note_id}")
        return await self.runtime.producer.send_and_wait(
            self.settings.topic_intake, value=note.model_dump_json().encode(), key=b"notes"
        )

    async def effects(self, key: str) -> int:
        async with self.runtime.engine.connect() as conn:
            found = await conn.execute(text("SELECT count(*) FROM effects WHERE key = :key"), {"key": key})
            return int(found.scalar_one())

    async def letter(self, letter_id: int) -> DeadLetterView:
        async with self.runtime.engine.connect() as conn:
            return await get_letter(conn, letter_id)

    async def letter_for(self, consumer: Consumer, message_id: str, within: float = 30) -> DeadLetterView:
        """The consumer's letter about the message, once it exists."""
        found: list[int] = []

        async def recorded() -> bool:
            async with self.runtime.engine.connect() as conn:
                row = await conn.execute(
                    text("SELECT id FROM dead_letters WHERE consumer = :c AND message_id = :m"),
                    {"c": consumer.name, "m": message_id},
                )
                found[:] = list(row.scalars())
            return bool(found)

        await wait_until(recorded, within)
        return await self.letter(found[0])

    async def settled(self, letter_id: int, status: str, within: float = 30) -> DeadLetterView:
        """The letter once it has this status."""

        async def reached() -> bool:
            return (await self.letter(letter_id)).status.value == status

        await wait_until(reached, within)
        return await self.letter(letter_id)

    async def key_kept(self, letter_id: int) -> bool:
        async with self.runtime.engine.connect() as conn:
            row = await conn.execute(
                text("SELECT 1 FROM dead_letter_keys WHERE letter_id = :id"), {"id": letter_id}
            )
            return row.first() is not None

    async def row(self, letter_id: int) -> dict[str, Any]:
        """Every column of the letter's row, as stored."""
        async with self.runtime.engine.connect() as conn:
            found = await conn.execute(text("SELECT * FROM dead_letters WHERE id = :id"), {"id": letter_id})
            return dict(found.mappings().one())

    async def foreign_letter(self) -> int:
        """A letter of another service's consumer, with a sealed value."""
        draft = LetterDraft(
            consumer=OTHER_CONSUMER,
            message_id=f"other:{uuid.uuid4().hex}",
            reason="RuntimeError: elsewhere",
            attempts=1,
            origin=Origin(self.settings.topic_intake, 0, 7, b"other", ()),
            value=f'{{"text": "{PHONE}"}}'.encode(),
        )
        async with self.runtime.engine.begin() as conn:
            return await record_letter(conn, draft, self.runtime.clock.now())


@pytest.fixture(scope="module")
async def harness(new_database: NewDatabase, kafka_backend: Backend) -> AsyncIterator[Harness]:
    settings = messaging_settings(
        await new_database(),
        kafka_backend,
        consumer_max_attempts=MAX_ATTEMPTS,
        catch_up_interval_seconds=0.2,
        consumer_group_prefix=f"t.{uuid.uuid4().hex[:8]}",
    )
    await ensure_topics(settings)
    name = f"dlq-{uuid.uuid4().hex[:8]}"
    runtime = Runtime(name, settings, FakeClock())
    app = create_service_app(runtime, tokens=test_tokens(), configure_logging=False)
    harness = Harness(settings, runtime, app)
    harness.events = runtime.consumer(f"{name}-events")
    harness.notes = runtime.consumer(f"{name}-notes")
    subscribe_events(
        runtime.broker,
        harness.events,
        settings.topic_events,
        harness.handle_event,
        types={"SomethingHappened"},
        categories=None,
        description="test",
    )
    subscribe(
        runtime.broker,
        harness.notes,
        settings.topic_intake,
        harness.handle_note,
        decode_note,
        title="notes",
        description="test",
    )
    async with runtime.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE effects (key text NOT NULL)"))
    async with running(app) as client:
        harness.client = client
        yield harness


def tousu(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, on the harness's database; ``stderr`` without the leading lines
    saying which database it used (tooling.stack.runtime), so tests compare the command's own."""
    result = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "dead-letters", *args],
        env={
            **os.environ,
            "TOUSU_DATABASE_URL": settings.database_url,
            # as its own login, as deployed (the harness's settings have one)
            "TOUSU_DEAD_LETTERS_DATABASE_URL": settings.dead_letters_database_url or "",
            "TOUSU_TIMEZONE": "Asia/Shanghai",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stderr.splitlines(keepends=True)
    while lines and lines[0].startswith("tousu: "):
        lines.pop(0)
    result.stderr = "".join(lines)
    return result


async def run_tousu(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`tousu dead-letters …` in a thread: the service keeps running on this event loop meanwhile."""
    return await asyncio.to_thread(tousu, settings, *args)
