"""The departments' assignments: a projection of every complaint event into routing_assignments.

One row per complaint holds its responsible department, status and flags as of the row's
``stream_version``, kept with the projection recipe (:mod:`shared.messaging.projection`): one
locked read of the batch's rows, one write of those it changed. The next event in sequence is
applied to the row with the domain's own ``evolve`` (a complaint's first event,
ComplaintReceived, makes its row; an event before it — the submission returned for correction —
leaves none); when the row is missing or behind by more than one event (an earlier event was
dead-lettered, or the complaint was returned for correction before it was received), the row is
rebuilt by folding the complaint's stream from the event store, the source of truth, up to this
event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import COMPLAINT_EVENTS, PRE_RECEIPT_EVENTS
from shared.complaints.stages.cooperation import Cooperation
from shared.complaints.state import ComplaintState, evolve, fold_recorded
from shared.complaints.values import Category, Channel, ComplainantKind, CooperationStatus, Grade, Status
from shared.events import RecordedEvent
from shared.messaging.assignment_routes import LEAD_ASSIGNMENT_EVENTS
from shared.messaging.consumer import PoisonMessage
from shared.messaging.projection import Projection

ROWS = text(
    "SELECT complaint_no, department, status, category, grade, channel, complainant_kind, subject, agent, "
    "received_at, assigned_at, escalation_level, reopen_count, reopened, stream_version, cooperations "
    "FROM routing_assignments WHERE complaint_no = ANY(:nos) ORDER BY complaint_no FOR UPDATE"
)

UPSERT = text(
    """
    INSERT INTO routing_assignments AS r (
        complaint_no, department, status, category, grade, channel, complainant_kind, subject, agent,
        received_at, assigned_at, escalation_level, reopen_count, reopened, stream_version, cooperations,
        cooperating, updated_at)
    VALUES (:complaint_no, :department, :status, :category, :grade, :channel, :complainant_kind, :subject,
        :agent, :received_at, :assigned_at, :escalation_level, :reopen_count, :reopened, :stream_version,
        CAST(:cooperations AS jsonb), :cooperating, now())
    ON CONFLICT (complaint_no) DO UPDATE SET
        department = excluded.department, status = excluded.status, agent = excluded.agent,
        assigned_at = excluded.assigned_at, escalation_level = excluded.escalation_level,
        reopen_count = excluded.reopen_count, reopened = excluded.reopened,
        stream_version = excluded.stream_version, cooperations = excluded.cooperations,
        cooperating = excluded.cooperating, updated_at = now()
    WHERE r.stream_version < excluded.stream_version
    """
)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A complaint's row: the part of its state the projection keeps, enough for ``evolve``."""

    state: ComplaintState
    subject: str
    assigned_at: datetime | None


class AssignmentsProjection(Projection[Assignment]):
    """routing_assignments, one row per received complaint."""

    async def load(self, conn: AsyncConnection, keys: Sequence[str]) -> Mapping[str, Assignment]:
        found = (await conn.execute(ROWS, {"nos": list(keys)})).mappings().all()
        return {
            row["complaint_no"]: Assignment(_state_of(row), row["subject"], row["assigned_at"])
            for row in found
        }

    async def write(self, conn: AsyncConnection, rows: Sequence[Assignment]) -> None:
        await conn.execute(UPSERT, [_row_of(row) for row in rows])

    def version(self, row: Assignment) -> int:
        return row.state.version

    def follows(self, row: Assignment | None, event: RecordedEvent) -> bool:
        if row is None:  # a first ComplaintReceived starts the row; events before it leave none
            return event.type in PRE_RECEIPT_EVENTS or (
                event.stream_version == 1 and event.type == "ComplaintReceived"
            )
        return super().follows(row, event)

    def apply(self, row: Assignment | None, event: RecordedEvent) -> Assignment | None:
        if row is None:
            if event.type in PRE_RECEIPT_EVENTS:
                return None  # returned for correction: no assignment until it is received
            return Assignment(fold_recorded([event]), str(event.payload["subject"]), None)
        state = evolve(row.state, COMPLAINT_EVENTS.decode(event), event.occurred_at)
        return Assignment(state, row.subject, _assigned_at(event, row.assigned_at))

    def rebuild(self, row: Assignment | None, history: Sequence[RecordedEvent]) -> Assignment | None:
        received = next((r for r in history if r.type == "ComplaintReceived"), None)
        if received is None:
            last = history[-1]
            raise PoisonMessage(
                f"complaint {last.stream_id} has no ComplaintReceived up to version {last.stream_version}"
            )
        assigned_at: datetime | None = None
        for record in history:
            assigned_at = _assigned_at(record, assigned_at)
        return Assignment(fold_recorded(history), str(received.payload["subject"]), assigned_at)


def _assigned_at(event: RecordedEvent, before: datetime | None) -> datetime | None:
    """When the current department got the complaint: the last assignment, transfer or reopen."""
    return event.occurred_at if event.type in LEAD_ASSIGNMENT_EVENTS else before


def _state_of(row: Any) -> ComplaintState:
    """The part of the complaint's state the projection keeps, enough for ``evolve``."""
    return ComplaintState(
        complaint_no=row["complaint_no"],
        version=row["stream_version"],
        status=Status(row["status"]),
        department=row["department"],
        agent=row["agent"],
        category=Category(row["category"]),
        grade=Grade(row["grade"]),
        channel=Channel(row["channel"]),
        complainant_kind=ComplainantKind(row["complainant_kind"]),
        received_at=row["received_at"],
        escalation_level=row["escalation_level"],
        reopen_count=row["reopen_count"],
        flagged_reopened=row["reopened"],
        cooperations=tuple(_cooperation_of(c) for c in _json(row["cooperations"])),
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _cooperation_of(data: Mapping[str, Any]) -> Cooperation:
    def instant(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(value) if value else None

    return Cooperation(
        department=data["department"],
        status=CooperationStatus(data["status"]),
        requested_at=instant("requested_at"),
        agent=data.get("agent"),
        accepted_at=instant("accepted_at"),
        contributed_at=instant("contributed_at"),
    )


def _cooperation_data(record: Cooperation) -> dict[str, Any]:
    def instant(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "department": record.department,
        "status": record.status.value,
        "requested_at": instant(record.requested_at),
        "agent": record.agent,
        "accepted_at": instant(record.accepted_at),
        "contributed_at": instant(record.contributed_at),
    }


def _row_of(row: Assignment) -> dict[str, Any]:
    state = row.state
    assert state.status is not None and state.category is not None and state.grade is not None
    assert state.channel is not None and state.complainant_kind is not None
    return {
        "complaint_no": state.complaint_no,
        "department": state.department,
        "status": state.status.value,
        "category": state.category.value,
        "grade": state.grade.value,
        "channel": state.channel.value,
        "complainant_kind": state.complainant_kind.value,
        "subject": row.subject,
        "agent": state.agent,
        "received_at": state.received_at,
        "assigned_at": row.assigned_at,
        "escalation_level": state.escalation_level,
        "reopen_count": state.reopen_count,
        "reopened": state.flagged_reopened,
        "stream_version": state.version,
        "cooperations": json.dumps([_cooperation_data(c) for c in state.cooperations]),
        "cooperating": sorted({c.department for c in state.cooperations}),
    }
