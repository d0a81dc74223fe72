"""The outbox relay: follows the event store in commit order and publishes to Kafka.

The event table is the outbox. An event reaches Kafka only after it is committed (the
follower cannot see it before), and every committed event reaches Kafka even if a process
dies between commit and publish: the checkpoint moves only after Kafka acknowledged the
whole batch (at-least-once; consumers deduplicate on event_id). One relay is active at a
time, elected by a PostgreSQL advisory lock; every service runs a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Position, RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.event_routes import ExtraRoutes, event_headers, no_extra_routes, routes_for
from shared.messaging.producer import headers_of
from shared.settings import Settings

log = logging.getLogger(__name__)

RELAY_LOCK = 7_310_002
CHECKPOINT = "outbox-relay"

LOAD = text("SELECT tx_id, global_position FROM follower_checkpoints WHERE name = :name")
SAVE = text(
    "INSERT INTO follower_checkpoints (name, tx_id, global_position) VALUES (:name, :tx_id, :position) "
    "ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, global_position = excluded.global_position, "
    "updated_at = now()"
)


async def load_checkpoint(engine: AsyncEngine, name: str) -> Position:
    async with engine.connect() as conn:
        row = (await conn.execute(LOAD, {"name": name})).first()
    return Position(tx_id=row.tx_id, global_position=row.global_position) if row else Position()


async def save_checkpoint(engine: AsyncEngine, name: str, position: Position) -> None:
    # One statement, atomic on its own: autocommit saves the BEGIN and COMMIT round trips.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            SAVE, {"name": name, "tx_id": position.tx_id, "position": position.global_position}
        )


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
        self.store = PostgresEventStore(engine)
        self.producer = producer
        self.extra_routes = extra_routes
        self.name = name
        self.is_leader = False
        self.published = 0
        self.position = Position()
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Wait for leadership, then relay until cancelled; a lost connection means standby again."""
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying in 1s")
                self.is_leader = False
                await asyncio.sleep(1)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(self.settings.sync_database_url)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):  # noqa: ASYNC110 (polling a lock)
                await asyncio.sleep(1)
            self.is_leader = True
            log.info("outbox relay is the leader")
            await conn.add_listener("tousu_events", self._notified)
            self.position = await load_checkpoint(self.engine, self.name)
            while True:
                if conn.is_closed():
                    raise ConnectionError("lost the relay's leadership connection")
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
        """Publish one batch; returns how many events it published."""
        batch = await self.store.read_all(self.position, self.settings.relay_batch_size)
        if not batch:
            return 0
        await self.publish(batch)
        self.position = batch[-1].position
        await save_checkpoint(self.engine, self.name, self.position)
        self.published += len(batch)
        return len(batch)

    async def publish(self, batch: list[RecordedEvent]) -> None:
        # send() only appends to the producer's per-partition batches (it awaits only when they are
        # full) and returns the delivery future; sends run in commit order, so a key's messages keep
        # their order on its partition. Then one wait for every acknowledgement.
        pending: list[Awaitable[object]] = []
        send = self.producer.send
        settings, extra = self.settings, self.extra_routes
        for event in batch:
            value = event.to_wire()
            headers = headers_of(event_headers(event))
            for route in routes_for(event, settings, extra):
                pending.append(await send(route.topic, value=value, key=route.key.encode(), headers=headers))
        await asyncio.gather(*pending)  # every send acknowledged (acks=all) before the checkpoint moves
