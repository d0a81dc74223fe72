"""The departments' assignments: a projection of every complaint event into routing_assignments.

One row per complaint holds its responsible department, status and flags as of the row's
``stream_version``. A batch of events is applied with one read of the rows it touches (locked)
and one write of those it changed. An event is applied only when its stream_version is greater
than the row's, so redelivery and replay change nothing. The next event in sequence is applied
to the row with the domain's own ``evolve`` (a complaint's first event makes its row); when the
row is missing or behind by more than one event (an earlier event was dead-lettered, or the
complaint was returned for correction before it was received), the row is rebuilt by folding
the complaint's stream from the event store, which is the source of truth, up to this event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from shared.complaints.events import COMPLAINT_EVENTS, PRE_RECEIPT_EVENTS
from shared.complaints.state import ComplaintState, evolve, fold_recorded
from shared.complaints.topics import ASSIGNMENT_EVENTS
from shared.complaints.values import Category, Channel, ComplainantKind, Grade, Status
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage

ROWS = text(
    "SELECT complaint_no, department, status, category, grade, channel, complainant_kind, subject, agent, "
    "received_at, assigned_at, escalation_level, reopen_count, reopened, stream_version "
    "FROM routing_assignments WHERE complaint_no = ANY(:nos) ORDER BY complaint_no FOR UPDATE"
)

UPSERT = text(
    """
    INSERT INTO routing_assignments AS r (
        complaint_no, department, status, category, grade, channel, complainant_kind, subject, agent,
        received_at, assigned_at, escalation_level, reopen_count, reopened, stream_version, updated_at)
    VALUES (:complaint_no, :department, :status, :category, :grade, :channel, :complainant_kind, :subject,
        :agent, :received_at, :assigned_at, :escalation_level, :reopen_count, :reopened, :stream_version,
        now())
    ON CONFLICT (complaint_no) DO UPDATE SET
        department = excluded.department, status = excluded.status, agent = excluded.agent,
        assigned_at = excluded.assigned_at, escalation_level = excluded.escalation_level,
        reopen_count = excluded.reopen_count, reopened = excluded.reopened,
        stream_version = excluded.stream_version, updated_at = now()
    WHERE r.stream_version < excluded.stream_version
    """
)


@dataclass
class _Row:
    state: ComplaintState
    subject: str
    assigned_at: datetime | None


async def project_assignments(events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
    """Consumer handler for a batch of complaint events (each complaint's in stream order)."""
    numbers = sorted({event.stream_id for event in events})
    found = (await ctx.connection.execute(ROWS, {"nos": numbers})).mappings().all()
    rows = {row["complaint_no"]: _Row(_state_of(row), row["subject"], row["assigned_at"]) for row in found}
    changed: dict[str, _Row] = {}
    for event in events:
        row = rows.get(event.stream_id)
        if row is None and event.type in PRE_RECEIPT_EVENTS:
            continue  # returned for correction: no assignment until it is received
        if row is not None and row.state.version >= event.stream_version:
            continue  # already applied
        if row is not None and row.state.version == event.stream_version - 1:
            state = evolve(row.state, COMPLAINT_EVENTS.decode(event), event.occurred_at)
            row = _Row(state, row.subject, _assigned_at(event, row.assigned_at))
        elif row is None and event.stream_version == 1 and event.type == "ComplaintReceived":
            row = _Row(fold_recorded([event]), str(event.payload["subject"]), None)
        else:
            row = await _rebuilt(event, ctx)
        rows[event.stream_id] = changed[event.stream_id] = row
    if changed:
        await ctx.connection.execute(
            UPSERT,
            [
                {**_row_of(row.state, row.subject, row.assigned_at), "stream_version": row.state.version}
                for row in changed.values()
            ],
        )


async def project_assignment(event: RecordedEvent, ctx: HandlerContext) -> None:
    """One event (tests, and callers outside the consumer)."""
    await project_assignments([event], ctx)


async def _rebuilt(event: RecordedEvent, ctx: HandlerContext) -> _Row:
    records = [
        r for r in await ctx.store.read_stream(event.stream_id) if r.stream_version <= event.stream_version
    ]
    received = next((r for r in records if r.type == "ComplaintReceived"), None)
    if not records or records[-1].stream_version != event.stream_version or received is None:
        raise PoisonMessage(
            f"complaint {event.stream_id} has no stored event at version {event.stream_version}"
        )
    assigned_at: datetime | None = None
    for record in records:
        assigned_at = _assigned_at(record, assigned_at)
    return _Row(fold_recorded(records), str(received.payload["subject"]), assigned_at)


def _assigned_at(event: RecordedEvent, before: datetime | None) -> datetime | None:
    """When the current department got the complaint: the last assignment, transfer or reopen."""
    return event.occurred_at if event.type in ASSIGNMENT_EVENTS else before


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
    )


def _row_of(state: ComplaintState, subject: str, assigned_at: datetime | None) -> dict[str, Any]:
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
        "subject": subject,
        "agent": state.agent,
        "received_at": state.received_at,
        "assigned_at": assigned_at,
        "escalation_level": state.escalation_level,
        "reopen_count": state.reopen_count,
        "reopened": state.flagged_reopened,
    }
