"""Helpers for the messaging tests: real PostgreSQL, real Kafka-protocol broker, no fakes.

Reading a topic uses a plain consumer with manually assigned partitions (no group): joining a
group costs seconds on tansu, and what was published is what we want to see, not a group's view.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from shared.events import START, Position, RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.dead_letters import DeadLetter
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics import ensure_topics
from shared.service.logging import JsonFormatter
from shared.settings import Settings
from tests.support.backends import Backend, kafka_is_real_kafka
from tests.support.settings import TEST_SESSION_TIMEOUT_MS, role_urls

NewDatabase = Callable[[], Awaitable[str]]
"""The root conftest's `new_database` fixture: a fresh migrated database's URL."""

PHONE = "13812345678"
"""A distinctive, personal-looking string: it must never reach a log record."""


def messaging_settings(database_url: str, kafka: Backend, **overrides: Any) -> Settings:
    """Like the `settings` fixture, for fixtures that live longer than one test."""
    suffix = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "database_url": database_url,
        **role_urls(database_url),
        "kafka_bootstrap": kafka.url,
        "kafka_idempotence": kafka_is_real_kafka(kafka),
        "topic_intake": f"t.{suffix}.intake",
        "topic_events": f"t.{suffix}.events",
        "topic_assignments": f"t.{suffix}.assignments",
        "topic_dead_letters": f"t.{suffix}.dlq",
        "topic_partitions": 3,
        "consumer_backoff_seconds": 0.01,
        "relay_idle_seconds": 0.2,
        "consumer_session_timeout_ms": TEST_SESSION_TIMEOUT_MS,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def relay_settings(settings: Settings, new_database: NewDatabase) -> Settings:
    """Settings on a database of its own (the relay follows the whole store) with topics created."""
    url = await new_database()
    fresh = settings.model_copy(update={"database_url": url, **role_urls(url)})
    await ensure_topics(fresh)
    return fresh


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], within: float = 20.0, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


async def relay_until(relay: OutboxRelay, published: int, within: float = 20.0) -> None:
    """Relays batches until `published` events in all went out.

    A committed event may take a moment to become visible to the relay: any write transaction
    still open on the PostgreSQL server (other tests', other databases') holds the follower back,
    because it never skips an event that might commit below it.
    """

    async def done() -> bool:
        await relay.relay_once()
        return relay.published >= published

    await wait_until(done, within)


async def visible(store: PostgresEventStore, count: int, after: Position = START) -> list[RecordedEvent]:
    """The events after `after`, once `count` of them are visible to a follower."""
    found: list[RecordedEvent] = []

    async def enough() -> bool:
        found[:] = await store.read_all(after)
        return len(found) >= count

    await wait_until(enough)
    return found


class TopicReader:
    """Reads every message of a topic from the beginning, all partitions, without a group."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self.partitions = [TopicPartition(topic, p) for p in range(settings.topic_partitions)]
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.records: list[ConsumerRecord[bytes, bytes]] = []

    async def start(self) -> None:
        await self.consumer.start()
        self.consumer.assign(self.partitions)
        await self.consumer.seek_to_beginning(*self.partitions)

    async def stop(self) -> None:
        await self.consumer.stop()

    async def poll(self, seconds: float = 0.6) -> list[ConsumerRecord[bytes, bytes]]:
        """Everything read after polling for a while more, in (partition, offset) order."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for batch in (await self.consumer.getmany(timeout_ms=100)).values():
                self.records.extend(batch)
        return self.ordered()

    def ordered(self) -> list[ConsumerRecord[bytes, bytes]]:
        return sorted(self.records, key=lambda r: (r.partition, r.offset))

    async def read(self, count: int, within: float = 20.0) -> list[ConsumerRecord[bytes, bytes]]:
        """Everything read so far once at least `count` messages arrived, in (partition, offset) order."""
        deadline = time.monotonic() + within
        while len(self.records) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.records)} of {count} messages on {self.topic}")
            for batch in (await self.consumer.getmany(timeout_ms=100)).values():
                self.records.extend(batch)
        return self.ordered()

    async def read_exactly(self, count: int) -> list[ConsumerRecord[bytes, bytes]]:
        """`count` messages, and no more after polling a while longer.

        (Not by end offsets: tansu answers ListOffsets(latest) with the last batch's base offset + 1.)
        """
        await self.read(count)
        records = await self.poll()
        assert len(records) == count, f"{len(records)} messages on {self.topic}, expected {count}"
        return records


OpenReader = Callable[[Settings, str], Awaitable[TopicReader]]


@pytest.fixture
async def topic_reader() -> AsyncIterator[OpenReader]:
    readers: list[TopicReader] = []

    async def open_reader(settings: Settings, topic: str) -> TopicReader:
        reader = TopicReader(settings, topic)
        await reader.start()
        readers.append(reader)
        return reader

    yield open_reader
    for reader in readers:
        await reader.stop()


async def find_letters(
    reader: TopicReader, wanted: Callable[[DeadLetter], bool], count: int = 1, within: float = 20.0
) -> list[DeadLetter]:
    """The dead letters `wanted` picks out, once `count` of them arrived."""
    deadline = time.monotonic() + within
    while True:
        letters = [DeadLetter.model_validate_json(r.value) for r in reader.records]
        found = [letter for letter in letters if wanted(letter)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} of {count} dead letters on {reader.topic}")
        for batch in (await reader.consumer.getmany(timeout_ms=100)).values():
            reader.records.extend(batch)


def original_value(letter: DeadLetter) -> bytes:
    return base64.b64decode(letter.original_value_base64)


def capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Everything down to DEBUG, except what `setup_logging` keeps at WARNING in every service.

    (aiokafka's own DEBUG records carry raw message values; services never enable them.)
    """
    caplog.set_level(logging.DEBUG)
    for library in ("aiokafka", "httpx", "uvicorn.access"):
        caplog.set_level(logging.WARNING, logger=library)


def assert_not_logged(records: list[logging.LogRecord], secret: str) -> None:
    """As the service would write them (JSON with every extra field), and each field on its own."""
    formatter = JsonFormatter("test")
    for record in records:
        assert secret not in formatter.format(record), f"{secret} logged by {record.name}"
        for value in record.__dict__.values():
            assert secret not in repr(value), f"{secret} in a field of a record by {record.name}"


def headers_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}
