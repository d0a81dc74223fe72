"""Rebuild the read models from zero by replaying the event store in commit order.

The read-model tables are not the audit trail: a rebuild truncates them and replays every
event with ``store.read_all`` through the same projection the Kafka consumer uses
(``AnalyticsProjection.project``: the recipe without the consumer's lock and NOTIFY), one
batch per transaction, moving the checkpoint ``analytics-rebuild`` in ``follower_checkpoints``
in the same transaction. The checkpoint exists only while a rebuild is unfinished: a rebuild
that finds it resumes from it (without truncating); a finished rebuild deletes it.

The whole rebuild holds the analytics advisory lock exclusively (on its own session), and the
consumer takes it shared for each transaction, so consumers wait while the tables are rebuilt and
then carry on: what they deliver that the rebuild already replayed is skipped by its version.
A rebuild that was interrupted releases the lock; until it is resumed the tables hold only
part of the history (the consumer keeps them consistent per complaint, filling gaps from the
store), so run it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.analytics.complaints.projection import ANALYTICS_LOCK, AnalyticsProjection
from shared.complaints import COMPLAINT_EVENTS
from shared.events import START, Position
from shared.eventstore import PostgresEventStore

log = logging.getLogger(__name__)

CHECKPOINT = "analytics-rebuild"

LOCK = text("SELECT pg_advisory_lock(:key)")
UNLOCK = text("SELECT pg_advisory_unlock(:key)")
LOAD = text("SELECT tx_id, global_position FROM follower_checkpoints WHERE name = :name FOR UPDATE")
TRUNCATE = text("TRUNCATE analytics_timeline, analytics_complaints")
SAVE = text(
    "INSERT INTO follower_checkpoints (name, tx_id, global_position) VALUES (:name, :tx_id, :position) "
    "ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, global_position = excluded.global_position, "
    "updated_at = now()"
)
FINISH = text("DELETE FROM follower_checkpoints WHERE name = :name")


@dataclass
class RebuildReport:
    resumed: bool = False
    """True when an interrupted rebuild was continued rather than started from zero."""
    events: int = 0
    batches: int = 0
    position: Position = START


BatchDone = Callable[[RebuildReport], Awaitable[None]]
"""Called after each committed batch (progress output; tests use it to interrupt a rebuild)."""


async def _save(conn: AsyncConnection, position: Position) -> None:
    await conn.execute(
        SAVE, {"name": CHECKPOINT, "tx_id": position.tx_id, "position": position.global_position}
    )


async def _start(conn: AsyncConnection, report: RebuildReport) -> None:
    row = (await conn.execute(LOAD, {"name": CHECKPOINT})).first()
    if row is None:
        await conn.execute(TRUNCATE)
        await _save(conn, START)
        report.position = START
    else:
        report.resumed = True
        report.position = Position(tx_id=row.tx_id, global_position=row.global_position)
    await conn.commit()


async def _release(conn: AsyncConnection) -> None:
    """Unlock; a session that cannot be unlocked is closed, never returned to the pool locked."""
    try:
        if conn.in_transaction():
            await conn.rollback()
        await conn.execute(UNLOCK, {"key": ANALYTICS_LOCK})
        await conn.commit()
    except Exception:
        log.warning("could not release the analytics rebuild lock; closing the session")
        await conn.invalidate()


async def rebuild(engine: AsyncEngine, batch: int = 1000, on_batch: BatchDone | None = None) -> RebuildReport:
    """Replay the whole store into the read models; returns what was done."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    report = RebuildReport()
    async with engine.connect() as conn:
        await conn.execute(LOCK, {"key": ANALYTICS_LOCK})  # waits for running consumer transactions
        await conn.commit()
        try:
            await _start(conn, report)
            log.info(
                "analytics rebuild started", extra={"resumed": report.resumed, "from": str(report.position)}
            )
            store = PostgresEventStore(engine).bound(conn)
            projection = AnalyticsProjection()
            while True:
                events = await store.read_all(report.position, batch)
                if not events:
                    await conn.execute(FINISH, {"name": CHECKPOINT})
                    await conn.commit()
                    break
                # other streams (the weekly inspection's) share the store: only complaints project
                await projection.project(conn, store, [e for e in events if COMPLAINT_EVENTS.knows(e.type)])
                report.position = events[-1].position
                await _save(conn, report.position)
                await conn.commit()
                report.events += len(events)
                report.batches += 1
                if on_batch is not None:
                    await on_batch(report)
        finally:
            await _release(conn)
    log.info("analytics rebuild finished", extra={"events": report.events, "batches": report.batches})
    return report
