"""A complaint's lead and co-operating departments (牵头/协同), read from its timeline rows.

The timeline keeps each co-operation event with its department(s) (never the contribution's text,
which only routing's GET /v1/complaints/{no}/cooperations shows, to the lead and the department
itself), so the complaint's detail needs no table of its own: the records are folded from it.

Department isolation: an agent of a co-operating department sees the complaint, its own
co-operation record, and a timeline without the other co-operating departments' entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.complaints.values import CooperationStatus

C = CooperationStatus

COOPERATION_EVENTS = frozenset(
    {
        "CooperationRequested",
        "CooperationAccepted",
        "ContributionRecorded",
        "CooperationWithdrawn",
        "ContributionsWaived",
    }
)
"""The timeline entries that belong to one or more co-operating departments."""


@dataclass(frozen=True)
class CooperationRecord:
    department: str
    status: CooperationStatus
    requested_at: datetime
    accepted_at: datetime | None = None
    contributed_at: datetime | None = None
    agent: str | None = None


def _summary(row: Mapping[str, Any]) -> dict[str, Any]:
    summary = row["summary"]
    parsed: dict[str, Any] = json.loads(summary) if isinstance(summary, str | bytes) else dict(summary or {})
    return parsed


def departments_of(row: Mapping[str, Any]) -> list[str]:
    """The co-operating department(s) a timeline row is about; [] for other rows."""
    if row["type"] not in COOPERATION_EVENTS:
        return []
    summary = _summary(row)
    if row["type"] == "ContributionsWaived":
        return [str(d) for d in summary.get("departments") or []]
    return [str(summary["department"])] if summary.get("department") else []


def cooperations(timeline: Iterable[Mapping[str, Any]]) -> list[CooperationRecord]:
    """Each co-operating department's latest record, in the order they were first asked."""
    records: dict[str, CooperationRecord] = {}
    for row in timeline:
        at, kind = row["occurred_at"], row["type"]
        for department in departments_of(row):
            current = records.get(department)
            if kind == "CooperationRequested":
                records.pop(department, None)
                records[department] = CooperationRecord(department, C.REQUESTED, at)
            elif current is None:
                continue
            elif kind == "CooperationAccepted":
                agent = _summary(row).get("agent")
                records[department] = replace(current, status=C.ACCEPTED, accepted_at=at, agent=agent)
            elif kind == "ContributionRecorded":
                records[department] = replace(current, status=C.CONTRIBUTED, contributed_at=at)
            elif kind == "CooperationWithdrawn":
                records[department] = replace(current, status=C.WITHDRAWN)
            else:
                records[department] = replace(current, status=C.WAIVED)
    return list(records.values())


def for_cooperator(timeline: Sequence[Mapping[str, Any]], department: str) -> list[Mapping[str, Any]]:
    """The timeline as a co-operating department sees it: without the other co-operating
    departments' entries."""
    return [row for row in timeline if not departments_of(row) or department in departments_of(row)]
