"""The outbox relay: follows the event store in commit order and publishes to Kafka.

The event table is the outbox. An event reaches Kafka only after it is committed (the follower
cannot see it before), and every committed event reaches Kafka even if a process dies between
commit and publish: the checkpoint moves only after Kafka acknowledged the whole batch
(at-least-once; consumers deduplicate by their stream positions). One relay is active at a time,
elected by a PostgreSQL advisory lock; every service runs a standby.

**A broker that forgot.** The relay remembers, with its checkpoint, a floor for every partition it
published to: one past the lowest offset acknowledged in its latest publish there. An
acknowledgement below the floor, or a partition whose end offset is below it (checked when the
relay takes the lead and every ``relay_probe_seconds`` while idle), means the broker lost what it
had: a memory broker restarted, a topic was deleted and recreated. The relay then recreates
missing topics and republishes from the store, starting from the oldest position some consumer
still needs (each consumer's catch-up checkpoint) or the start
of the ``relay_republish_hours`` window, whichever is older, so departments that subscribe to the
topics see what a broker that kept its data would have shown them. Consumers deduplicate.

**The wire bytes without an envelope.** Each row is read with its JSON columns as text and its
ids, timestamps and hashes already formatted by PostgreSQL; the message value is assembled from
those parts (canonical JSON, the same bytes as ``RecordedEvent.to_wire``), no RecordedEvent built.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import RecordMetadata
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Position
from shared.events.canonical import canonical_json_fast
from shared.events.streams import HEADER as CATEGORY_HEADER
from shared.events.streams import stream_category
from shared.messaging.checkpoints import CONSUMER_PREFIX, load_checkpoint
from shared.messaging.event_routes import ExtraRoutes, no_extra_routes
from shared.messaging.failures import failure_reason
from shared.messaging.topics import ensure_topics
from shared.settings import Settings

log = logging.getLogger(__name__)

RELAY_LOCK = 7_310_002
CHECKPOINT = "outbox-relay"

LOAD_OFFSETS = text("SELECT broker_offsets FROM follower_checkpoints WHERE name = :name")
SAVE = text(
    "INSERT INTO follower_checkpoints (name, tx_id, global_position, broker_offsets) "
    "VALUES (:name, :tx_id, :position, CAST(:offsets AS jsonb)) "
    "ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, global_position = excluded.global_position, "
    "broker_offsets = excluded.broker_offsets, updated_at = now()"
)
_UTC_TEXT = """to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
READ = (
    "SELECT tx_id, global_position, stream_id, stream_version, event_id::text, type, schema_version, "
    f"{_UTC_TEXT.format(column='occurred_at')}, {_UTC_TEXT.format(column='recorded_at')}, "
    "actor::text, correlation_id::text, causation_id::text, trace::text, payload::text, "
    "encode(prev_hash, 'hex'), encode(hash, 'hex') "
    "FROM events WHERE (tx_id, global_position) > ($1, $2) "
    "AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
    "ORDER BY tx_id, global_position LIMIT $3"
)
OLDEST_NEEDED = text(
    "SELECT tx_id, global_position FROM follower_checkpoints WHERE name LIKE :prefix "
    "ORDER BY tx_id, global_position LIMIT 1"
)
WINDOW_START = text(
    "SELECT tx_id, global_position FROM events WHERE recorded_at >= now() - CAST(:window AS interval) "
    "ORDER BY tx_id, global_position LIMIT 1"
)
PROBE_TIMEOUT = 10.0

Partition = tuple[str, int]

__all__ = ["CHECKPOINT", "OutboxRelay", "load_checkpoint", "republish_from", "save_checkpoint"]


def _offsets_json(offsets: dict[Partition, int]) -> str:
    return json.dumps(
        {f"{topic}/{partition}": offset for (topic, partition), offset in sorted(offsets.items())}
    )


def _offsets_from(data: Any) -> dict[Partition, int]:
    stored = json.loads(data) if isinstance(data, str) else (data or {})
    offsets: dict[Partition, int] = {}
    for key, offset in stored.items():
        topic, _, partition = key.rpartition("/")
        offsets[(topic, int(partition))] = int(offset)
    return offsets


async def load_broker_offsets(engine: AsyncEngine, name: str) -> dict[Partition, int]:
    async with engine.connect() as conn:
        row = (await conn.execute(LOAD_OFFSETS, {"name": name})).first()
    return _offsets_from(row.broker_offsets) if row is not None else {}


async def save_checkpoint(
    engine: AsyncEngine, name: str, position: Position, offsets: dict[Partition, int] | None = None
) -> None:
    """The relay's position and its partitions' floors, in one autocommit statement."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            SAVE,
            {
                "name": name,
                "tx_id": position.tx_id,
                "position": position.global_position,
                "offsets": _offsets_json(offsets or {}),
            },
        )


async def republish_from(engine: AsyncEngine, window: timedelta) -> Position:
    """The oldest position some consumer still needs, or the window's start if older."""
    candidates: list[Position] = []
    async with engine.connect() as conn:
        needed = (await conn.execute(OLDEST_NEEDED, {"prefix": f"{CONSUMER_PREFIX}%"})).first()
        if needed is not None:
            candidates.append(Position(tx_id=needed.tx_id, global_position=needed.global_position))
        if window > timedelta(0):
            first = (await conn.execute(WINDOW_START, {"window": window})).first()
            if first is not None:
                candidates.append(Position(tx_id=first.tx_id, global_position=first.global_position - 1))
    return min(candidates, key=Position.as_tuple) if candidates else Position()


class _Fragments:
    """Canonical JSON of the small JSON columns that repeat (actors, trace contexts), once each."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._cache: dict[str, orjson.Fragment] = {}

    def __call__(self, text_: str) -> orjson.Fragment:
        fragment = self._cache.get(text_)
        if fragment is None:
            if len(self._cache) >= self.LIMIT:
                self._cache.clear()
            fragment = self._cache[text_] = orjson.Fragment(canonical_json_fast(orjson.loads(text_)))
        return fragment


class _Partitions:
    """Which partition a key goes to: Kafka's default partitioner (murmur2 of the key, modulo the
    topic's partitions), as ``send`` would choose, remembered per key."""

    LIMIT = 100_000

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.counts: dict[str, list[int]] = {}
        self.of_key: dict[tuple[str, bytes], int] = {}
        self.partitioner = DefaultPartitioner()

    async def partition(self, topic: str, key: bytes) -> int:
        found = self.of_key.get((topic, key))
        if found is not None:
            return found
        partitions = self.counts.get(topic)
        if partitions is None:
            partitions = self.counts[topic] = sorted(await self.producer.partitions_for(topic))
        if len(self.of_key) >= self.LIMIT:
            self.of_key.clear()
        chosen: int = self.partitioner(key, partitions, partitions)
        self.of_key[(topic, key)] = chosen
        return chosen

    def forget(self) -> None:
        self.counts.clear()
        self.of_key.clear()


class _Batches:
    """One publish's record batches, one open per partition; a full one is sent at once."""

    def __init__(self, producer: AIOKafkaProducer, partitions: _Partitions) -> None:
        self.producer = producer
        self.partitions = partitions
        self.open: dict[tuple[str, int], Any] = {}
        self.sent: list[Awaitable[RecordMetadata]] = []

    async def add(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        partition = await self.partitions.partition(topic, key)
        batch = self.open.get((topic, partition))
        if batch is None:
            batch = self.open[(topic, partition)] = self.producer.create_batch()
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:  # full
            self.sent.append(await self.producer.send_batch(batch, topic, partition=partition))
            batch = self.open[(topic, partition)] = self.producer.create_batch()
            batch.append(key=key, value=value, timestamp=None, headers=headers)

    async def send(self) -> list[RecordMetadata]:
        """Send what is open; every batch's acknowledgement (its first record's offset)."""
        for (topic, partition), batch in self.open.items():
            self.sent.append(await self.producer.send_batch(batch, topic, partition=partition))
        self.open.clear()
        return list(await asyncio.gather(*self.sent))


_WIRE_OPTIONS = orjson.OPT_SORT_KEYS
_CONTENT_TYPE = ("content-type", b"application/json")


class OutboxRelay:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        extra_routes: ExtraRoutes = no_extra_routes,
        name: str = CHECKPOINT,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.producer = producer
        self.extra_routes = extra_routes
        self.name = name
        self.is_leader = False
        self.published = 0
        self.resets = 0
        """Times this process found the broker had forgotten what it was given."""
        self.position = Position()
        self.offsets: dict[Partition, int] = {}
        """Each partition's floor: 1 + the lowest offset acknowledged in the relay's latest publish
        to it. A broker that kept its data has at least that many messages there, whether its end
        offset is the high watermark (Kafka) or the last batch's base offset + 1 (tansu)."""
        self._wake = asyncio.Event()
        self._fragments = _Fragments()
        self._partitions = _Partitions(producer)
        self._next: Sequence[asyncpg.Record] | None = None
        """The page read ahead while the previous one was being acknowledged."""
        self._probe: AIOKafkaConsumer | None = None
        self._next_probe = 0.0

    async def run(self) -> None:
        """Wait for leadership, then relay until cancelled; a lost connection means standby again."""
        try:
            while True:
                try:
                    await self._lead()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning("outbox relay failed (%s); retrying in 1s", failure_reason(error))
                    self.is_leader = False
                    await asyncio.sleep(1)
        finally:
            if self._probe is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._probe.stop(), 5)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(self.settings.sync_database_url)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):  # noqa: ASYNC110 (polling a lock)
                await asyncio.sleep(1)
            self.is_leader = True
            log.info("outbox relay is the leader")
            await conn.add_listener("tousu_events", self._notified)
            self.position = await load_checkpoint(self.engine, self.name)
            self.offsets = await load_broker_offsets(self.engine, self.name)
            self._next_probe = 0.0  # look at the broker first: it may have restarted empty
            while True:
                if conn.is_closed():
                    raise ConnectionError("lost the relay's leadership connection")
                if time.monotonic() >= self._next_probe:
                    await self.check_broker()
                if not await self.relay_once():
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.settings.relay_idle_seconds)
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await conn.close()

    def _notified(self, *args: object) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch; returns how many events it published.

        While the broker acknowledges a batch, the next page is read from the store: a backlog
        drains with the database and the broker working at the same time."""
        size = self.settings.relay_batch_size
        rows, self._next = self._next, None
        if rows is None or (rows[0][0], rows[0][1]) <= self.position.as_tuple():
            rows = await self._read(self.position, size)
        if not rows:
            return 0
        last = rows[-1]
        reached = Position(tx_id=last[0], global_position=last[1])
        publishing = asyncio.ensure_future(self.publish(rows))
        reading = asyncio.ensure_future(self._read(reached, size)) if len(rows) == size else None
        try:
            acknowledged = await publishing
        except BaseException:
            if reading is not None:
                reading.cancel()
            raise
        self.position = reached
        if self._went_back(acknowledged):
            if reading is not None:
                reading.cancel()
            await self.rewind("an acknowledgement came at an offset below one already acknowledged")
            return len(rows)
        await save_checkpoint(self.engine, self.name, self.position, self.offsets)
        self.published += len(rows)
        if reading is not None:
            with contextlib.suppress(Exception):  # a failed read ahead is read again next time
                self._next = (await reading) or None
        return len(rows)

    async def _read(self, after: Position, limit: int) -> Sequence[asyncpg.Record]:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            rows: Sequence[asyncpg.Record] = await driver.fetch(
                READ, after.tx_id, after.global_position, limit
            )
            return rows

    async def publish(self, rows: Sequence[Any]) -> list[RecordMetadata]:
        """Send every row's event to its topics, in commit order; wait for every acknowledgement
        (acks=all) before the checkpoint moves. Messages go into one record batch per partition,
        in order (a key's messages keep their order on its partition), each batch sent whole."""
        batches = _Batches(self.producer, self._partitions)
        settings, extra, fragment = self.settings, self.extra_routes, self._fragments
        events_topic = settings.topic_events
        for (
            tx_id,
            global_position,
            stream_id,
            stream_version,
            event_id,
            event_type,
            schema_version,
            occurred_at,
            recorded_at,
            actor,
            correlation_id,
            causation_id,
            trace,
            payload_text,
            prev_hash,
            hash_,
        ) in rows:
            payload = orjson.loads(payload_text)
            value = orjson.dumps(
                {
                    "actor": fragment(actor),
                    "causation_id": causation_id,
                    "correlation_id": correlation_id,
                    "event_id": event_id,
                    "global_position": global_position,
                    "hash": hash_,
                    "occurred_at": occurred_at,
                    "payload": orjson.Fragment(canonical_json_fast(payload)),
                    "prev_hash": prev_hash,
                    "recorded_at": recorded_at,
                    "schema_version": schema_version,
                    "stream_id": stream_id,
                    "stream_version": stream_version,
                    "trace": fragment(trace),
                    "tx_id": tx_id,
                    "type": event_type,
                },
                option=_WIRE_OPTIONS,
            )
            headers = [
                ("event_id", event_id.encode()),
                ("event_type", event_type.encode()),
                ("schema_version", str(schema_version).encode()),
                ("stream_id", stream_id.encode()),
                (CATEGORY_HEADER, stream_category(stream_id).encode()),
                ("stream_version", str(stream_version).encode()),
                ("correlation_id", correlation_id.encode()),
                _CONTENT_TYPE,
            ]
            if trace != "{}":
                headers.extend((name, str(v).encode()) for name, v in orjson.loads(trace).items())
            await batches.add(events_topic, stream_id.encode(), value, headers)
            for route in extra(event_type, payload, settings):
                await batches.add(route.topic, route.key.encode(), value, headers)
        return await batches.send()

    def _went_back(self, acknowledged: Sequence[RecordMetadata]) -> bool:
        """True when a partition acknowledged at an offset below the floor of the relay's previous
        publish to it (the broker forgot: its offsets started again); records the new floors."""
        lowest: dict[Partition, int] = {}
        for metadata in acknowledged:
            partition = (metadata.topic, metadata.partition)
            if metadata.offset < lowest.get(partition, metadata.offset + 1):
                lowest[partition] = metadata.offset
        went_back = any(offset < self.offsets.get(partition, 0) for partition, offset in lowest.items())
        if went_back:
            self.offsets = {}
        for partition, offset in lowest.items():
            self.offsets[partition] = offset + 1
        return went_back

    async def check_broker(self) -> bool:
        """Compare each partition's end offset with what the relay expects; rewind when the
        broker has less. Returns True when it rewound."""
        self._next_probe = time.monotonic() + self.settings.relay_probe_seconds
        if not self.offsets:
            return False
        try:
            ends = await asyncio.wait_for(self._end_offsets(list(self.offsets)), PROBE_TIMEOUT)
        except Exception as error:  # the broker is away: nothing to compare yet
            log.info("could not read the broker's end offsets", extra={"error": type(error).__name__})
            return False
        short = [
            partition for partition, expected in self.offsets.items() if ends.get(partition, 0) < expected
        ]
        if not short:
            return False
        await self.rewind(f"{len(short)} partition(s) hold fewer messages than were acknowledged")
        return True

    async def _end_offsets(self, partitions: list[Partition]) -> dict[Partition, int]:
        if self._probe is None:
            self._probe = AIOKafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap,
                client_id="tousu-relay-probe",
                enable_auto_commit=False,
                request_timeout_ms=int(PROBE_TIMEOUT * 1000),
            )
            await self._probe.start()
        probe = self._probe
        await probe.topics()  # fresh metadata: a recreated topic may have other partitions
        known = {topic: probe.partitions_for_topic(topic) or set() for topic, _ in partitions}
        asked = [TopicPartition(t, p) for t, p in partitions if p in known[t]]
        ends = await probe.end_offsets(asked) if asked else {}
        return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}

    async def rewind(self, why: str) -> None:
        """The broker lost messages: recreate missing topics, republish from the store."""
        with contextlib.suppress(Exception):
            await ensure_topics(self.settings)
        start = await republish_from(self.engine, timedelta(hours=self.settings.relay_republish_hours))
        if start.as_tuple() < self.position.as_tuple():
            self.position = start
        self.offsets = {}
        self._partitions.forget()  # a recreated topic may have other partitions
        self._next = None
        self.resets += 1
        await save_checkpoint(self.engine, self.name, self.position, self.offsets)
        log.warning(
            "the broker lost messages it had acknowledged; republishing from the store",
            extra={"why": why, "from": str(self.position)},
        )
