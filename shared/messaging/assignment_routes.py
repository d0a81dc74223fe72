"""Department assignments on Kafka: assignment events are also published keyed by department, and
so are the 8D cases of severe complaints (opened for the department, or handed to it).

Topic `settings.topic_assignments` (default tousu.department.assignments), key = the department
code that now owns the complaint, or, for a CooperationRequested, the co-operating department's
own code (协同: its own assignment, the lead keeps the complaint); value = the same event
envelope as on the events topic. A department consumes only its own key's messages by filtering
on the key (there is no department header: the headers are the events topic's). See
services/routing/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.messaging.event_routes import Route
from shared.settings import Settings

ASSIGNMENT_EVENTS = {
    "ComplaintAssigned": "department",
    "ComplaintTransferred": "to_department",
    "ComplaintReopened": "department",
    "CooperationRequested": "department",
    # 8D (stages/eight_d.py): a case opened for the department, or handed to it after a dispatch
    "EightDCaseOpened": "department",
    "EightDCaseHandedOver": "department",
}
"""Each assignment event type and the payload field naming the department it is published to."""

LEAD_ASSIGNMENT_EVENTS = frozenset(ASSIGNMENT_EVENTS) - {"CooperationRequested"}
"""The assignment events that give the complaint a new responsible (lead) department."""


def department_of(event_type: str, payload: Mapping[str, Any]) -> str | None:
    """The department an assignment event gives the complaint to; None for other events."""
    field = ASSIGNMENT_EVENTS.get(event_type)
    value = payload.get(field) if field else None
    return value if isinstance(value, str) else None


def complaint_routes(event_type: str, payload: Mapping[str, Any], settings: Settings) -> list[Route]:
    department = department_of(event_type, payload)
    return [Route(settings.topic_assignments, department)] if department else []
