"""Routing's part in 8D (stages/eight_d.py): the open case of a severe complaint goes to the
department that is responsible for the complaint.

A case opened at receipt has no department yet (routing has not dispatched the complaint); after
the assignment, and after every transfer or reopening to another department, routing hands the
case over (EightDCaseHandedOver), which the department's feed on tousu.department.assignments
carries to it (shared/messaging/assignment_routes.py).
"""

from __future__ import annotations

import logging

from services.routing.handlers import ROUTING
from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.stages.eight_d import EightDCaseHandedOver, HandEightDCaseOver
from shared.complaints.state import ComplaintState
from shared.events import RecordedEvent
from shared.messaging.complaint_reactions import Reacted, Reactor

log = logging.getLogger(__name__)

HAND_OVER_TRIGGERS = frozenset(
    {"ComplaintAssigned", "ComplaintTransferred", "ComplaintReopened", "EightDCaseOpened"}
)
"""The events after which the responsible department may no longer be the case's."""


class HandEightDCaseToTheDepartment(Reactor):
    """An open 8D case whose department is not the complaint's → EightDCaseHandedOver.

    Idempotent: the consumer handles each event once, and the decision hands over only when the
    departments differ (a redelivery decides nothing). ``state`` is the complaint as the store
    holds it now, so the current department decides, whichever event arrived."""

    name = "routing-8d"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        case = state.eight_d
        if case is None or case.closed or not state.is_open or state.department is None:
            return None
        if case.department == state.department:
            return None
        return HandEightDCaseOver(actor=ROUTING, at=self.clock.now(), department=state.department)

    def reacted(self, outcome: Reacted) -> None:
        handed = next((e for e in outcome.decided if isinstance(e, EightDCaseHandedOver)), None)
        if handed is not None:
            log.info(
                "8D case handed to the department",
                extra={"complaint_no": outcome.event.stream_id, "department": handed.department},
            )
