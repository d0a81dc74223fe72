"""Who was responsible when a quality incident happened: the department holding the complaint
and the agent who had accepted it, just before the incident's event.

Folded from the complaint's timeline (the read model's event summaries, which keep the codes
these events carry), with the same rules as the domain's ``evolve`` for department and agent: a
dispatch or transfer hands the complaint to a department with nobody in it yet, an acceptance
names the agent, and a reopening keeps the agent only when the same department gets it back
(tests/unit/analytics/test_scorecard_attribution.py checks the two agree). So a breach, a
reopening or a dissatisfied revisit is charged to whoever held the complaint then, not to
whoever holds it now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.analytics.scorecards.rules import Incident, IncidentRecord

HOLDER_EVENTS = ("ComplaintAssigned", "ComplaintAccepted", "ComplaintTransferred", "ComplaintReopened")
"""The events that change who holds a complaint."""

INCIDENT_EVENTS = ("SlaBreached", "ComplaintReopened", "FeedbackReceived")
"""The events that may be quality incidents."""


@dataclass(frozen=True)
class Holder:
    department: str | None = None
    agent: str | None = None


def after(holder: Holder, event_type: str, summary: Mapping[str, Any]) -> Holder:
    """Who holds the complaint once this event is applied."""
    if event_type == "ComplaintAssigned":
        return Holder(summary.get("department"), None)
    if event_type == "ComplaintAccepted":
        return Holder(summary.get("department"), summary.get("agent"))
    if event_type == "ComplaintTransferred":
        return Holder(summary.get("to_department"), None)
    if event_type == "ComplaintReopened":
        department = summary.get("department")
        return Holder(department, holder.agent if department == holder.department else None)
    return holder


def incident_kind(event_type: str, summary: Mapping[str, Any]) -> Incident | None:
    """The incident this event is, if any: a breach, a reopening, a dissatisfied revisit (not
    satisfied and not accepted)."""
    if event_type == "SlaBreached":
        return Incident.BREACH
    if event_type == "ComplaintReopened":
        return Incident.REOPEN
    if event_type == "FeedbackReceived" and summary.get("satisfied") is False:
        return None if summary.get("acknowledged") else Incident.DISSATISFIED
    return None


def incidents_at_the_time(
    rows: Iterable[Mapping[str, Any]], start: datetime, end: datetime
) -> list[IncidentRecord]:
    """The incidents in [start, end) of the given timeline rows (each complaint's in stream
    order, from its first holder event), each charged to the holder just before it.

    A breach names the department it was measured against; that one is charged (it is the holder
    then, unless the history read is incomplete).
    """
    result: list[IncidentRecord] = []
    holders: dict[str, Holder] = {}
    for row in rows:
        number, event_type = row["complaint_no"], row["type"]
        summary = row["summary"] or {}
        holder = holders.get(number, Holder())
        kind = incident_kind(event_type, summary)
        if kind is not None and start <= row["occurred_at"] < end:
            department, agent = holder.department, holder.agent
            if kind is Incident.BREACH and summary.get("department") not in (None, department):
                department, agent = summary["department"], None
            result.append(IncidentRecord(kind, number, department, agent, row["occurred_at"]))
        holders[number] = after(holder, event_type, summary)
    return sorted(result, key=lambda r: (r.at or start, r.complaint_no))
