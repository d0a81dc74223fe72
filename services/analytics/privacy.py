"""What of a complaint may enter the read models: no contact data, no free text.

The complainant appears only as a masked display name (张*, J***), an anonymous one not at all.
An event's timeline summary keeps only the fields listed in :data:`SUMMARY_FIELDS` for its type:
codes, departments, numbers and instants; never notes, resolutions, reasons or comments typed by
people (they may name or describe the complainant). The subject line is kept (it is what lists
show), as the brief allows.
"""

from __future__ import annotations

from typing import Any

from shared.events import Event

SUMMARY_FIELDS: dict[str, frozenset[str]] = {
    "ComplaintReceived": frozenset(
        {"channel", "complainant_kind", "anonymous", "category", "grade", "subject", "received_at"}
        | {"product_refs"}  # product codes, not personal data: the high-frequency problems need them
    ),
    "ComplaintRegraded": frozenset({"grade", "previous_grade"}),  # not the reason: typed by people
    "ComplaintAcknowledged": frozenset({"via", "message_key"}),
    "ComplaintAssigned": frozenset({"department", "rule"}),
    "ComplaintAccepted": frozenset({"department", "agent"}),
    "ProgressRecorded": frozenset({"department"}),
    "ComplaintResolved": frozenset({"department"}),
    "ComplaintTransferred": frozenset({"from_department", "to_department"}),
    "ComplaintEscalated": frozenset({"level", "to_role", "stage"}),
    "RevisitScheduled": frozenset({"due_at"}),
    "FeedbackReceived": frozenset({"satisfied", "score", "acknowledged"}),
    "ComplaintClosed": frozenset({"reason"}),  # a CloseReason code, not free text
    "ComplaintReopened": frozenset({"department", "reopen_count", "trigger"}),
    "ComplaintWithdrawn": frozenset(),
    "ComplaintClosedAsNotAComplaint": frozenset(),
    "SlaWarningRaised": frozenset({"stage", "deadline", "fraction"}),
    "SlaBreached": frozenset({"stage", "deadline", "department"}),
    "SlaCalendarYearUnknown": frozenset({"stage", "deadline", "years"}),  # messages are system text
    "CommandRejected": frozenset({"command", "reason_code"}),
}
"""The payload fields an event's timeline summary may carry, by event type."""


def summarize(payload: Event) -> dict[str, Any]:
    """The event's summary for the timeline: whitelisted fields only, nulls left out.

    An event type without an entry in SUMMARY_FIELDS gets an empty summary: a new field is
    shown only once somebody has decided that it carries no personal data.
    """
    fields = SUMMARY_FIELDS.get(payload.event_type, frozenset())
    if not fields:
        return {}
    data = payload.model_dump(mode="json", include=set(fields))
    return {key: value for key, value in sorted(data.items()) if value is not None}


def mask_name(name: str | None) -> str | None:
    """The first character and one star per further character: 张三 → 张*, John → J***.

    A one-character name is all stars (showing it would show the whole name).
    """
    if name is None:
        return None
    chars = list(name.strip())
    if not chars:
        return None
    if len(chars) == 1:
        return "*"
    return chars[0] + "*" * (len(chars) - 1)
