"""The complaint read models (analytics_complaints and analytics_timeline), kept from stored events.

They follow the projection recipe (:mod:`shared.messaging.projection`): a batch of events is
applied with one locked read of its complaints' rows and one write of those it changed. An event
is applied only if its stream_version is the row's version + 1: an older one was applied already
(a redelivery, or an event the rebuild replayed) and is skipped. A newer one means the events in
between have not been applied (the model starts late, an event was dead-lettered): the store, the
source of truth, gives them, and they are applied first, so the read model never skips one. A gap
the store cannot fill is poison (dead-lettered).

Each applied event is the domain's ``evolve`` of the complaint (:func:`.rows.step`)
and one timeline row: the pure part returns an :class:`AnalyticsRow`, the complaint with the
timeline rows the batch adds, and the write is one UPSERT of the complaints and one INSERT of
their timeline rows. A stream returned for correction is written only once received (its
pre-receipt events are held in memory, or filled in from the store then, timeline included).

The consumer holds the analytics advisory lock in shared mode for its transaction (``before``);
a rebuild (:mod:`services.analytics.rebuild`, which calls ``project`` without the hooks) holds it
exclusively, so no consumer writes while the tables are rebuilt. The dashboards hear of each
changed complaint when the transaction commits (``after``: NOTIFY).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.analytics.complaints.rows import (
    COMPLAINT_COLUMNS,
    JSON_COLUMNS,
    TIMELINE_COLUMNS,
    NotAComplaintStream,
    ProjectedComplaint,
    complaint_from_row,
    complaint_row,
    step,
)
from services.analytics.live.hub import notify_changes
from shared.complaints import COMPLAINT_EVENTS
from shared.events import RecordedEvent, UnknownEventType
from shared.messaging.projection import Outcome, Projection

ANALYTICS_LOCK = 7_310_006
"""Advisory lock key: consumers take it shared per transaction, a rebuild exclusively."""

PROJECTED_TYPES = frozenset(COMPLAINT_EVENTS.types())
"""Every complaint event type: each one moves the stream version, so each is applied."""


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


@dataclass(frozen=True, slots=True)
class AnalyticsRow:
    """A complaint as the batch leaves it, with the timeline rows of the events it applied."""

    complaint: ProjectedComplaint
    timeline: tuple[dict[str, Any], ...] = ()

    @property
    def received(self) -> bool:
        return self.complaint.state.received_at is not None


class AnalyticsProjection(Projection[AnalyticsRow]):
    """analytics_complaints (one row per received complaint) and analytics_timeline."""

    poison = (UnknownEventType, NotAComplaintStream)

    async def load(self, conn: AsyncConnection, keys: Sequence[str]) -> Mapping[str, AnalyticsRow]:
        rows = (await conn.execute(SELECT_FOR_UPDATE, {"nos": list(keys)})).mappings().all()
        return {row["complaint_no"]: AnalyticsRow(complaint_from_row(dict(row))) for row in rows}

    async def write(self, conn: AsyncConnection, rows: Sequence[AnalyticsRow]) -> None:
        received = [row for row in rows if row.received]
        if received:
            await conn.execute(UPSERT_COMPLAINT, [_complaint_params(row.complaint) for row in received])
            await conn.execute(
                INSERT_TIMELINE, [_timeline_params(t) for row in received for t in row.timeline]
            )

    def version(self, row: AnalyticsRow) -> int:
        return row.complaint.version

    def apply(self, row: AnalyticsRow | None, event: RecordedEvent) -> AnalyticsRow:
        complaint, entry = step(row.complaint if row else None, event)
        return AnalyticsRow(complaint, (*row.timeline, entry) if row else (entry,))

    def rebuild(self, row: AnalyticsRow | None, history: Sequence[RecordedEvent]) -> AnalyticsRow | None:
        """The events after the row's version applied in turn (each with its timeline row)."""
        complaint = row.complaint if row else None
        timeline = list(row.timeline) if row else []
        for event in history[complaint.version if complaint else 0 :]:
            complaint, entry = step(complaint, event)
            timeline.append(entry)
        return AnalyticsRow(complaint, tuple(timeline)) if complaint is not None else None

    async def before(self, conn: AsyncConnection) -> None:
        await hold_shared_lock(conn)

    async def after(
        self, conn: AsyncConnection, events: Sequence[RecordedEvent], outcome: Outcome[AnalyticsRow]
    ) -> None:
        changed = {no for no, row in outcome.changed.items() if row.received}
        await notify_changes(conn, {e.stream_id: e.type for e in events if e.stream_id in changed})


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
