"""The revisit list: a projection of RevisitScheduled, FeedbackReceived, ComplaintWithdrawn and
ComplaintDeclaredUnresolvable.

One row per complaint, for its latest revisit, as of the row's ``stream_version``, kept with the
projection recipe (:mod:`shared.messaging.projection`): one locked read of the batch's rows, one
write of those it changed; an event at or below the row's version (redelivery, replay) changes
nothing. A RevisitScheduled (re)opens the row — pending, due when it says, with the department
responsible then, which only the complaint's stream knows: the recipe reads the streams of every
revisit scheduled in the batch at once. FeedbackReceived or ComplaintWithdrawn completes a
pending revisit, and so does ComplaintDeclaredUnresolvable (and either leaves any other row, or
none, as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import COMPLAINT_EVENTS, FeedbackReceived, RevisitScheduled
from shared.complaints.state import fold_recorded
from shared.events import RecordedEvent
from shared.messaging.consumer import PoisonMessage
from shared.messaging.projection import Projection

REVISIT_EVENTS = frozenset(
    {"RevisitScheduled", "FeedbackReceived", "ComplaintWithdrawn", "ComplaintDeclaredUnresolvable"}
)

COLUMNS = (
    "complaint_no",
    "department",
    "due_at",
    "status",
    "scheduled_at",
    "completed_at",
    "outcome",
    "score",
    "rounds",
    "stream_version",
)
ROWS = text(
    f"SELECT {', '.join(COLUMNS)} FROM revisits "
    "WHERE complaint_no = ANY(:nos) ORDER BY complaint_no FOR UPDATE"
)
UPSERT = text(
    f"INSERT INTO revisits AS r ({', '.join(COLUMNS)}, updated_at) "
    f"VALUES ({', '.join(f':{c}' for c in COLUMNS)}, now()) "
    "ON CONFLICT (complaint_no) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "complaint_no")
    + ", updated_at = now() WHERE r.stream_version < excluded.stream_version"
)


@dataclass(frozen=True, slots=True)
class RevisitRow:
    """A row of the revisits table."""

    complaint_no: str
    department: str
    due_at: datetime
    status: str
    scheduled_at: datetime
    completed_at: datetime | None
    outcome: str | None
    score: int | None
    rounds: int
    stream_version: int


class RevisitsProjection(Projection[RevisitRow]):
    """The revisits table, one row per complaint whose revisit was scheduled."""

    async def load(self, conn: AsyncConnection, keys: Sequence[str]) -> Mapping[str, RevisitRow]:
        found = (await conn.execute(ROWS, {"nos": list(keys)})).mappings().all()
        return {row["complaint_no"]: RevisitRow(**dict(row)) for row in found}

    async def write(self, conn: AsyncConnection, rows: Sequence[RevisitRow]) -> None:
        await conn.execute(UPSERT, [{c: getattr(row, c) for c in COLUMNS} for row in rows])

    def version(self, row: RevisitRow) -> int:
        return row.stream_version

    def follows(self, row: RevisitRow | None, event: RecordedEvent) -> bool:
        # The model sees only its three types: any newer one follows, except a RevisitScheduled,
        # which needs the stream (the department responsible then).
        return event.type != "RevisitScheduled"

    def apply(self, row: RevisitRow | None, event: RecordedEvent) -> RevisitRow | None:
        if row is None or row.status != "pending":
            return row  # nothing pending to complete
        payload = COMPLAINT_EVENTS.decode(event)
        if isinstance(payload, FeedbackReceived):
            outcome = (
                "satisfied"
                if payload.satisfied
                else "acknowledged"
                if payload.acknowledged
                else "dissatisfied"
            )
            return _done(row, event, outcome, payload.score)
        if event.type == "ComplaintWithdrawn":
            return _done(row, event, "withdrawn", None)
        if event.type == "ComplaintDeclaredUnresolvable":
            return _done(row, event, "unresolvable", None)
        return row

    def rebuild(self, row: RevisitRow | None, history: Sequence[RecordedEvent]) -> RevisitRow | None:
        event = history[-1]
        payload = COMPLAINT_EVENTS.decode(event)
        if not isinstance(payload, RevisitScheduled):
            return self.apply(row, event)
        department = fold_recorded(history).department
        if department is None:
            raise PoisonMessage(
                f"complaint {event.stream_id} has no department at version {event.stream_version}"
            )
        return RevisitRow(
            complaint_no=event.stream_id,
            department=department,
            due_at=payload.due_at,
            status="pending",
            scheduled_at=event.occurred_at,
            completed_at=None,
            outcome=None,
            score=None,
            rounds=1 if row is None else row.rounds + 1,
            stream_version=event.stream_version,
        )


def _done(row: RevisitRow, event: RecordedEvent, outcome: str, score: Any) -> RevisitRow:
    return replace(
        row,
        status="done",
        completed_at=event.occurred_at,
        outcome=outcome,
        score=score,
        stream_version=event.stream_version,
    )
