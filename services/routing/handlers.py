"""Routing's handlers: dispatch (分类派单) of every received complaint by the rule table."""

from __future__ import annotations

import logging

from services.routing.rules import RuleTable
from shared.clock import Clock
from shared.complaints.commands import AssignComplaint, Command
from shared.complaints.events import COMPLAINT_EVENTS, CommandRejected, ComplaintReceived
from shared.complaints.state import ComplaintState
from shared.complaints.values import Status
from shared.events import Actor, RecordedEvent
from shared.messaging.complaint_reactions import Reacted, Reactor
from shared.messaging.consumer import PoisonMessage

log = logging.getLogger(__name__)

ROUTING = Actor.service("routing")

IMPORTED_RULE = "imported"
"""The ``rule`` of an assignment to the department an imported complaint's records name."""


class AssignOnReceipt(Reactor):
    """ComplaintReceived → ComplaintAssigned to the department the first matching rule names.

    Idempotent: the consumer handles each event once, and a complaint that is no longer waiting
    for dispatch (already assigned, or closed meanwhile) is left alone.
    """

    name = "routing"

    def __init__(self, rules: RuleTable, clock: Clock) -> None:
        self.rules = rules
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        received = COMPLAINT_EVENTS.decode(event)
        if not isinstance(received, ComplaintReceived):
            raise PoisonMessage(f"expected ComplaintReceived, got {event.type}")
        if state.status is not Status.RECEIVED:
            log.info(
                "complaint no longer waits for dispatch",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return None
        history = received.imported
        if history is not None and history.department is not None:
            # an open complaint imported with its department stays with it (the records' choice)
            return AssignComplaint(
                actor=ROUTING, at=self.clock.now(), department=history.department, rule=IMPORTED_RULE
            )
        decision = self.rules.route(received)
        return AssignComplaint(
            actor=ROUTING,
            at=self.clock.now(),
            department=decision.department,
            rule=decision.rule,
            note=decision.note,
        )

    def reacted(self, outcome: Reacted) -> None:
        command = outcome.command
        assert isinstance(command, AssignComplaint)
        rejection = next((e for e in outcome.decided if isinstance(e, CommandRejected)), None)
        log.info(
            "complaint assigned",
            extra={
                "complaint_no": outcome.event.stream_id,
                "department": command.department,
                "rule": command.rule,
                "stream_version": outcome.stream_version,
                "rejected": rejection.reason_code if rejection else None,
            },
        )
