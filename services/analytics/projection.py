"""Applying stored complaint events to the read model, in the caller's transaction.

An event is applied only if its stream_version is the row's version + 1: an older one was
applied already (a redelivery, or an event the rebuild replayed) and is skipped. A newer one
means events in between have not come yet: the store, the source of truth, is asked for them
and they are applied first, so the read model never skips one. (Kafka keeps a complaint's
events in order, but the store's commit order — hence the relay's publishing order — can put
an event before its predecessor when the writer's transaction took its id first: see
tests/integration/analytics/test_gaps_are_filled_from_the_store.py.) A gap the store cannot fill
raises :class:`StreamGap`, and the consumer retries it, then dead-letters it.

The consumer holds the analytics advisory lock in shared mode for its transaction; a rebuild
holds it exclusively, so no consumer writes while the tables are rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.analytics.rows import (
    COMPLAINT_COLUMNS,
    JSON_COLUMNS,
    TIMELINE_COLUMNS,
    ProjectedComplaint,
    complaint_from_row,
    complaint_row,
    step,
)
from shared.events import RecordedEvent
from shared.eventstore import EventStore

ANALYTICS_LOCK = 7_310_006
"""Advisory lock key: consumers take it shared per event, a rebuild exclusively."""


def _values(columns: Sequence[str], json_columns: frozenset[str]) -> str:
    return ", ".join(f"CAST(:{c} AS jsonb)" if c in json_columns else f":{c}" for c in columns)


SELECT_FOR_UPDATE = text(
    f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM analytics_complaints "
    "WHERE complaint_no = ANY(:nos) ORDER BY complaint_no FOR UPDATE"
)
UPSERT_COMPLAINT = text(
    f"INSERT INTO analytics_complaints ({', '.join(COMPLAINT_COLUMNS)}) "
    f"VALUES ({_values(COMPLAINT_COLUMNS, JSON_COLUMNS)}) "
    "ON CONFLICT (complaint_no) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COMPLAINT_COLUMNS if c != "complaint_no")
)
INSERT_TIMELINE = text(
    f"INSERT INTO analytics_timeline ({', '.join(TIMELINE_COLUMNS)}) "
    f"VALUES ({_values(TIMELINE_COLUMNS, frozenset({'summary'}))})"
)
LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key)")


class StreamGap(RuntimeError):
    """Events between the read model's version and an arriving event are not in the store."""


@dataclass
class Applied:
    applied: int = 0
    skipped: int = 0
    filled: int = 0
    """Events read from the store to fill a gap (counted in applied too)."""


async def hold_shared_lock(conn: AsyncConnection) -> None:
    """Wait while a rebuild runs; released when the caller's transaction ends."""
    await conn.execute(LOCK_SHARED, {"key": ANALYTICS_LOCK})


def _complaint_params(complaint: ProjectedComplaint) -> dict[str, Any]:
    row = complaint_row(complaint)
    for column in JSON_COLUMNS:
        row[column] = json.dumps(row[column], ensure_ascii=False, sort_keys=True)
    return row


def _timeline_params(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "summary": json.dumps(row["summary"], ensure_ascii=False, sort_keys=True)}


async def apply_events(conn: AsyncConnection, store: EventStore, events: Sequence[RecordedEvent]) -> Applied:
    """Apply stored events (any complaints, each complaint's in stream order) in ``conn``'s
    transaction; ``store`` (bound to the same connection) fills gaps."""
    result = Applied()
    if not events:
        return result
    numbers = sorted({event.stream_id for event in events})
    rows = (await conn.execute(SELECT_FOR_UPDATE, {"nos": numbers})).mappings().all()
    complaints = {row["complaint_no"]: complaint_from_row(dict(row)) for row in rows}
    changed: dict[str, ProjectedComplaint] = {}
    timeline: list[dict[str, Any]] = []

    def apply(event: RecordedEvent) -> None:
        complaint, entry = step(complaints.get(event.stream_id), event)
        complaints[event.stream_id] = changed[event.stream_id] = complaint
        timeline.append(entry)
        result.applied += 1

    for event in events:
        current = complaints.get(event.stream_id)
        version = current.version if current else 0
        if event.stream_version <= version:
            result.skipped += 1
            continue
        if event.stream_version > version + 1:
            missing = [
                e
                for e in await store.read_stream(event.stream_id, from_version=version + 1)
                if e.stream_version < event.stream_version
            ]
            if [e.stream_version for e in missing] != list(range(version + 1, event.stream_version)):
                raise StreamGap(
                    f"complaint {event.stream_id}: the read model is at version {version}, "
                    f"event {event.event_id} is version {event.stream_version}, "
                    "and the store does not hold the versions in between"
                )
            for earlier in missing:
                apply(earlier)
                result.filled += 1
        apply(event)

    # A stream returned for correction is written only once received (pre-receipt events are
    # filled in from the store then, timeline included).
    changed = {no: c for no, c in changed.items() if c.state.received_at is not None}
    timeline = [row for row in timeline if row["complaint_no"] in changed]
    if changed:
        await conn.execute(UPSERT_COMPLAINT, [_complaint_params(c) for c in changed.values()])
        await conn.execute(INSERT_TIMELINE, [_timeline_params(row) for row in timeline])
    return result
