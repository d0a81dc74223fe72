"""Incidents are charged to whoever held the complaint just before them: the holder folded from
the timeline agrees with the domain's own fold, and a later transfer does not move the charge."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from services.analytics.privacy import summarize
from services.analytics.scorecards.attribution import Holder, after, incidents_at_the_time
from services.analytics.scorecards.rules import Incident, IncidentRecord
from shared.complaints import ComplaintState, evolve
from tests.builders import T0, random_history

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("seed", range(60))
def test_the_timeline_fold_agrees_with_the_domain_on_department_and_agent(seed: int) -> None:
    rng = random.Random(seed)
    state, holder = ComplaintState.initial(), Holder()
    for _, events in random_history(rng, f"TS-ATTR-{seed}", max_steps=24):
        for event in events:
            state = evolve(state, event)
            holder = after(holder, event.event_type, summarize(event))
            assert (holder.department, holder.agent) == (state.department, state.agent), event.event_type


def row(no: str, minutes: int, event_type: str, **summary: object) -> dict[str, object]:
    return {
        "complaint_no": no,
        "type": event_type,
        "summary": summary,
        "occurred_at": T0 + timedelta(minutes=minutes),
    }


def test_each_incident_is_charged_to_the_holder_before_it() -> None:
    rows = [
        row("A", 0, "ComplaintAssigned", department="quality"),
        row("A", 1, "SlaBreached", department="quality", stage="acceptance"),
        row("A", 2, "ComplaintAccepted", department="quality", agent="agent-wang"),
        row("A", 3, "FeedbackReceived", satisfied=False, acknowledged=False, score=2),
        row("A", 4, "ComplaintReopened", department="quality", trigger="feedback", reopen_count=1),
        row("A", 5, "FeedbackReceived", satisfied=False, acknowledged=True, score=2),
        row("A", 6, "ComplaintTransferred", from_department="quality", to_department="after_sales"),
        row("A", 7, "ComplaintAccepted", department="after_sales", agent="agent-li"),
        row("A", 8, "SlaBreached", department="after_sales", stage="resolution"),
    ]
    found = incidents_at_the_time(rows, T0, T0 + timedelta(days=1))
    assert [(r.kind, r.department, r.agent) for r in found] == [
        (Incident.BREACH, "quality", None),  # nobody had accepted it yet: the department only
        (Incident.DISSATISFIED, "quality", "agent-wang"),
        (Incident.REOPEN, "quality", "agent-wang"),
        (Incident.BREACH, "after_sales", "agent-li"),
    ]
    assert found[1] == IncidentRecord(
        Incident.DISSATISFIED, "A", "quality", "agent-wang", T0 + timedelta(minutes=3)
    )


def test_only_the_month_is_counted_but_earlier_events_name_the_holder() -> None:
    rows = [
        row("B", 0, "ComplaintAssigned", department="quality"),
        row("B", 1, "ComplaintAccepted", department="quality", agent="agent-wang"),
        row("B", 2, "SlaBreached", department="quality", stage="resolution"),
        row("B", 90, "SlaBreached", department="quality", stage="revisit"),
    ]
    found = incidents_at_the_time(rows, T0 + timedelta(minutes=60), T0 + timedelta(minutes=120))
    assert [(r.kind, r.agent, r.at) for r in found] == [
        (Incident.BREACH, "agent-wang", T0 + timedelta(minutes=90))
    ]


def test_a_cooperating_departments_breach_is_charged_to_it_not_to_the_lead() -> None:
    rows = [
        row("C", 0, "ComplaintAssigned", department="quality"),
        row("C", 1, "ComplaintAccepted", department="quality", agent="agent-wang"),
        row("C", 2, "CooperationRequested", department="logistics", lead_department="quality"),
        row("C", 3, "SlaBreached", department="logistics", stage="cooperation_acceptance"),
    ]
    found = incidents_at_the_time(rows, T0, T0 + timedelta(days=1))
    assert [(r.kind, r.department, r.agent) for r in found] == [(Incident.BREACH, "logistics", None)]
