"""A running SLA clock (a ``sla_deadlines`` row as the repository reads it), for unit tests."""

from __future__ import annotations

import uuid
from typing import Any

from services.sla.policy import Counting
from services.sla.repository import Deadline
from shared.complaints import Grade, SlaStage
from tests.unit.sla.calendars import sh


def a_running_clock(**fields: Any) -> Deadline:
    """Started, not warned, breached nor stopped; ``fields`` override the defaults."""
    started = fields.pop("started_at", sh(2026, 1, 5, 9))
    due = fields.pop("due_at", started)
    defaults: dict[str, Any] = {
        "complaint_no": "TS-1",
        "stage": SlaStage.RESOLUTION,
        "generation": 1,
        "grade": Grade.GENERAL,
        "department": None,
        "started_at": started,
        "warn_fraction": 0.8,
        "warn_at": due,
        "due_at": due,
        "warned_at": None,
        "breached_at": None,
        "escalation_level": None,
        "escalated_to": None,
        "stopped_at": None,
        "stop_reason": None,
        "stop_detail": None,
        "started_by": uuid.uuid4(),
        "started_version": 1,
        "stopped_by": None,
        "counting": Counting.WORKING,
    }
    return Deadline(**{**defaults, **fields})
