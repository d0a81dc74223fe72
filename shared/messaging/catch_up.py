"""Every consumer catches up from the store: what Kafka did not deliver is handled anyway.

The store is the truth and Kafka only transport. A memory broker that restarted, a topic that was
recreated, retention that expired or consumer offsets that are gone all lose messages, and no
broker can tell which. The store can: each consumer's positions (``consumer_positions``) say which
events of each stream it has handled. So every consumer also follows the store, a little behind
the live path: it reads, in commit order from its own checkpoint (``consumer:<name>`` in
``follower_checkpoints``), the events of the types it handles (in streams of the categories it
handles, :mod:`shared.events.streams`), and hands those it has not handled
and that were recorded more than ``catch_up_grace_seconds`` ago to the same recipe as a Kafka
poll. Younger events are left to Kafka: the checkpoint stops before them and looks again next
time. Because it reads below the oldest running transaction (as the relay does), an event
committed late is never passed by.

The same loop retries dead letters an operator asked to retry (``tousu dead-letters retry``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from shared.events import Position
from shared.events.streams import stream_category
from shared.eventstore.postgres import FAST_COLUMNS, fast_row_to_event
from shared.messaging.checkpoints import consumer_checkpoint, load_checkpoint, save_checkpoint
from shared.messaging.consumer import Consumer
from shared.messaging.deliveries import EventDelivery
from shared.messaging.failures import failure_reason, is_infrastructure_failure
from shared.messaging.retries import retry_requested_letters

log = logging.getLogger(__name__)

HORIZON = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
SCAN = (
    "SELECT e.tx_id, e.global_position, e.stream_id, "
    "e.recorded_at < clock_timestamp() - make_interval(secs => $5) AS due, "
    "coalesce((SELECT p.version FROM consumer_positions p "
    "WHERE p.consumer = $1 AND p.stream_id = e.stream_id), 0) >= e.stream_version AS handled "
    "FROM events e "
    "WHERE (e.tx_id, e.global_position) > ($2, $3) AND e.tx_id < $4 "
    "AND ($6::text[] IS NULL OR e.type = ANY($6::text[])) "
    "ORDER BY e.tx_id, e.global_position LIMIT $7"
)
READ_EVENTS = (
    f"SELECT {FAST_COLUMNS} FROM events WHERE global_position = ANY($1::bigint[]) "
    "ORDER BY tx_id, global_position"
)
END_OF_TRANSACTION = 2**62
"""A global position past any: (tx, END_OF_TRANSACTION) is after every event of transaction tx."""


@dataclass
class CatchUpReport:
    scanned: int = 0
    handled: int = 0
    waiting: bool = False
    """An event not yet handled is younger than the grace: Kafka may still bring it."""


class StoreCatchUp:
    def __init__(self, consumer: Consumer, *, scan_limit: int = 2000) -> None:
        self.consumer = consumer
        self.settings = consumer.settings
        self.engine = consumer.engine
        self.scan_limit = scan_limit
        self.checkpoint = consumer_checkpoint(consumer.name)
        self.caught_up = 0
        """Events this process handled from the store because Kafka had not delivered them."""

    async def run(self) -> None:
        """Background task: catch up, retry requested dead letters, sleep, again."""
        interval = self.settings.catch_up_interval_seconds
        while True:
            try:
                await self.once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                level = logging.INFO if is_infrastructure_failure(error) else logging.WARNING
                log.log(
                    level,
                    "catch-up from the store failed; trying again",
                    extra={"consumer": self.consumer.name, "error": failure_reason(error)},
                )
            await asyncio.sleep(interval)

    async def once(self) -> None:
        """Catch up (a consumer of stored events), then retry the letters asked to be retried."""
        if self.consumer.events is not None:
            await self.catch_up()
        await retry_requested_letters(self.consumer)

    async def catch_up(self) -> CatchUpReport:
        """Hand every event older than the grace and not yet handled to the consumer; move the
        checkpoint over everything before the first event that is neither."""
        report = CatchUpReport()
        subscription = self.consumer.events
        assert subscription is not None
        types = sorted(subscription.types) if subscription.types is not None else None
        after = await load_checkpoint(self.engine, self.checkpoint)
        while True:
            async with self.engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                assert driver is not None
                horizon = await driver.fetchval(HORIZON)
                rows = await driver.fetch(
                    SCAN,
                    self.consumer.name,
                    after.tx_id,
                    after.global_position,
                    horizon,
                    self.settings.catch_up_grace_seconds,
                    types,
                    self.scan_limit,
                )
                report.scanned += len(rows)
                due: list[int] = []
                reached = after
                for tx_id, global_position, stream_id, is_due, handled in rows:
                    # a stream of a category the consumer does not handle: passed over, like a type
                    handled = handled or not subscription.takes(stream_category(stream_id))
                    if not handled and not is_due:
                        report.waiting = True
                        break
                    if not handled:
                        due.append(global_position)
                    reached = Position(tx_id=tx_id, global_position=global_position)
                else:
                    if len(rows) < self.scan_limit:
                        # every event below the horizon is seen: the next one has a newer tx id
                        reached = max(
                            reached,
                            Position(tx_id=horizon - 1, global_position=END_OF_TRANSACTION),
                            key=Position.as_tuple,
                        )
                events = (
                    [fast_row_to_event(row) for row in await driver.fetch(READ_EVENTS, due)] if due else []
                )
            if events:
                await self.consumer.handle_events([EventDelivery.from_store(e) for e in events])
                report.handled += len(events)
                self.caught_up += len(events)
                log.info(
                    "handled events Kafka had not delivered",
                    extra={"consumer": self.consumer.name, "events": len(events)},
                )
            if reached != after:
                await save_checkpoint(self.engine, self.checkpoint, reached)
                after = reached
            if report.waiting or len(rows) < self.scan_limit:
                return report
