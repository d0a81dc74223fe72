"""The read model's rows, derived from the domain's own fold so they never disagree with it.

A complaint's row is the folded :class:`ComplaintState` (every field of it) plus what the state
does not keep: the subject line, the complainant's pseudonymous id and *sealed* personal data
(ciphertext, opened only at read time through the key table, so an erasure shows at once and no
plaintext or masked copy outlives the key), the instant of the last event, and the instant the
department first responded (its first ComplaintAccepted, which the KPIs need). ``step`` applies
one stored event with the domain's ``evolve``; ``complaint_row`` and ``complaint_from_row`` map
the result to and from table columns, losslessly. The one thing dropped on the way is the
complainant's free-text feedback comment (personal data).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from services.analytics.privacy import summarize
from shared.complaints import (
    COMPLAINT_EVENTS,
    PRE_RECEIPT_EVENTS,
    Category,
    Channel,
    CloseReason,
    ComplainantKind,
    ComplaintAccepted,
    ComplaintReceived,
    ComplaintState,
    FeedbackReceived,
    Grade,
    SlaBreached,
    SlaWarningRaised,
    Status,
    evolve,
)
from shared.events import Event, RecordedEvent, Role

COMPLAINT_COLUMNS: tuple[str, ...] = (
    "complaint_no",
    "version",
    "status",
    "department",
    "agent",
    "channel",
    "category",
    "grade",
    "complainant_kind",
    "anonymous",
    "complainant_id",
    "personal_data",
    "subject",
    "acknowledged",
    "escalation_level",
    "escalated_to",
    "reopen_count",
    "flagged_reopened",
    "received_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "close_reason",
    "revisit_due_at",
    "feedback_satisfied",
    "feedback_score",
    "feedback_acknowledged",
    "sla_warnings",
    "sla_breaches",
    "sla_warning_log",
    "sla_breach_log",
    "first_response_at",
    "upgraded_from",
)
"""Columns of analytics_complaints, in table order."""

JSON_COLUMNS = frozenset({"sla_warning_log", "sla_breach_log", "personal_data"})

NOT_KEPT = frozenset({"assigned_at", "objecting_department", "cooperations", "eight_d", "confirmed"})
"""State that only the domain's decisions need (how long the department may object to its
assignment, and whether it has; the co-operating departments' records, which the complaint's
detail reads from the timeline instead, complaints/cooperations.py; the 8D case, which the 8D read
model keeps; whether the complainant confirmed the current answer) and no analytics view takes
from the row: the row leaves it out, so a state read back
from a row has it unset."""

TIMELINE_COLUMNS: tuple[str, ...] = (
    "complaint_no",
    "stream_version",
    "event_id",
    "type",
    "occurred_at",
    "recorded_at",
    "actor_role",
    "actor_id",
    "actor_department",
    "summary",
)
"""Columns of analytics_timeline, in table order."""


class NotAComplaintStream(ValueError):
    """A stream whose first event is not ComplaintReceived: nothing can be projected from it."""


@dataclass(frozen=True, slots=True)
class ProjectedComplaint:
    """One complaint as the read model keeps it."""

    state: ComplaintState
    subject: str
    complainant_id: UUID | None
    personal_data: dict[str, Any] | None
    """The sealed personal data exactly as the event carries it (ciphertext only)."""
    updated_at: datetime
    first_response_at: datetime | None = None
    """When a department first accepted the complaint (the first ComplaintAccepted)."""

    @property
    def complaint_no(self) -> str:
        assert self.state.complaint_no is not None
        return self.state.complaint_no

    @property
    def version(self) -> int:
        return self.state.version


def step(
    current: ProjectedComplaint | None, event: RecordedEvent
) -> tuple[ProjectedComplaint, dict[str, Any]]:
    """The complaint after one more stored event (whose stream_version the caller checked), and
    the event's timeline row."""
    payload = COMPLAINT_EVENTS.decode(event)
    return _evolve(current, event, payload), timeline_row(event, payload)


def _evolve(current: ProjectedComplaint | None, event: RecordedEvent, payload: Event) -> ProjectedComplaint:
    state = evolve(current.state if current else ComplaintState.initial(), payload, event.occurred_at)
    if state.feedback is not None and state.feedback.comment is not None:
        state = replace(state, feedback=state.feedback.model_copy(update={"comment": None}))
    if isinstance(payload, ComplaintReceived):
        sealed = payload.personal_data.model_dump(mode="json") if payload.personal_data else None
        return ProjectedComplaint(state, payload.subject, payload.complainant_id, sealed, event.occurred_at)
    if event.type in PRE_RECEIPT_EVENTS and (current is None or current.state.received_at is None):
        # returned for correction, not received (yet): held in memory, never written as a row
        return ProjectedComplaint(state, "", None, None, event.occurred_at)
    if current is None or not state.exists:
        raise NotAComplaintStream(
            f"stream {event.stream_id} starts with {event.type} (version {event.stream_version}), "
            "not ComplaintReceived"
        )
    first_response_at = current.first_response_at
    if first_response_at is None and isinstance(payload, ComplaintAccepted):
        first_response_at = event.occurred_at
    return ProjectedComplaint(
        state,
        current.subject,
        current.complainant_id,
        current.personal_data,
        event.occurred_at,
        first_response_at,
    )


def _code(value: object) -> str | None:
    return None if value is None else str(value)


def complaint_row(complaint: ProjectedComplaint) -> dict[str, Any]:
    """The analytics_complaints row (JSON columns as Python lists)."""
    s = complaint.state
    assert s.status is not None and s.received_at is not None, "only received complaints have a row"
    feedback = s.feedback
    return {
        "complaint_no": s.complaint_no,
        "version": s.version,
        "status": s.status.value,
        "department": s.department,
        "agent": s.agent,
        "channel": _code(s.channel),
        "category": _code(s.category),
        "grade": _code(s.grade),
        "complainant_kind": _code(s.complainant_kind),
        "anonymous": s.anonymous,
        "complainant_id": complaint.complainant_id,
        "personal_data": complaint.personal_data,
        "subject": complaint.subject,
        "acknowledged": s.acknowledged,
        "escalation_level": s.escalation_level,
        "escalated_to": s.escalated_to,
        "reopen_count": s.reopen_count,
        "flagged_reopened": s.flagged_reopened,
        "received_at": s.received_at,
        "updated_at": complaint.updated_at,
        "resolved_at": s.resolved_at,
        "closed_at": s.closed_at,
        "close_reason": _code(s.close_reason),
        "revisit_due_at": s.revisit_due_at,
        "feedback_satisfied": feedback.satisfied if feedback else None,
        "feedback_score": feedback.score if feedback else None,
        "feedback_acknowledged": feedback.acknowledged if feedback else None,
        "sla_warnings": len(s.sla_warnings),
        "sla_breaches": len(s.sla_breaches),
        "sla_warning_log": [w.model_dump(mode="json") for w in s.sla_warnings],
        "sla_breach_log": [b.model_dump(mode="json") for b in s.sla_breaches],
        "first_response_at": complaint.first_response_at,
        "upgraded_from": s.upgraded_from,
    }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _enum(kind: type[Any], value: str | None) -> Any:
    return None if value is None else kind(value)


def complaint_from_row(row: Mapping[str, Any]) -> ProjectedComplaint:
    """The inverse of :func:`complaint_row` (JSON columns may come back as text)."""
    feedback = (
        FeedbackReceived(
            satisfied=row["feedback_satisfied"],
            score=row["feedback_score"],
            acknowledged=row["feedback_acknowledged"],
        )
        if row["feedback_satisfied"] is not None
        else None
    )
    state = ComplaintState(
        complaint_no=row["complaint_no"],
        version=row["version"],
        status=Status(row["status"]),
        department=row["department"],
        agent=row["agent"],
        channel=_enum(Channel, row["channel"]),
        category=_enum(Category, row["category"]),
        grade=_enum(Grade, row["grade"]),
        complainant_kind=_enum(ComplainantKind, row["complainant_kind"]),
        anonymous=row["anonymous"],
        acknowledged=row["acknowledged"],
        escalation_level=row["escalation_level"],
        escalated_to=row["escalated_to"],
        reopen_count=row["reopen_count"],
        flagged_reopened=row["flagged_reopened"],
        received_at=row["received_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        close_reason=_enum(CloseReason, row["close_reason"]),
        revisit_due_at=row["revisit_due_at"],
        feedback=feedback,
        sla_warnings=tuple(SlaWarningRaised.model_validate(w) for w in _json(row["sla_warning_log"])),
        sla_breaches=tuple(SlaBreached.model_validate(b) for b in _json(row["sla_breach_log"])),
        upgraded_from=row.get("upgraded_from"),
    )
    return ProjectedComplaint(
        state,
        row["subject"],
        row["complainant_id"],
        _json(row["personal_data"]),
        row["updated_at"],
        row.get("first_response_at"),
    )


def timeline_row(event: RecordedEvent, payload: Event) -> dict[str, Any]:
    """The analytics_timeline row of one stored event (summary as a Python dict)."""
    actor = event.actor
    return {
        "complaint_no": event.stream_id,
        "stream_version": event.stream_version,
        "event_id": event.event_id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "actor_role": actor.role.value,
        "actor_id": None if actor.role is Role.COMPLAINANT else actor.id,
        "actor_department": actor.department,
        "summary": summarize(payload),
    }
