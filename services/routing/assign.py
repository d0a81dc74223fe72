"""Dispatch (分类派单): every received complaint is assigned by the rule table."""

from __future__ import annotations

import logging

from services.routing.rules import RuleTable
from shared.clock import Clock
from shared.complaints.commands import AssignComplaint
from shared.complaints.consuming import execute_caused_by
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintReceived
from shared.complaints.handling import load
from shared.complaints.values import Status
from shared.events import Actor, RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage

log = logging.getLogger(__name__)

ROUTING = Actor.service("routing")


class AssignOnReceipt:
    """ComplaintReceived → ComplaintAssigned to the department the first matching rule names.

    Idempotent: the consumer runs it once per event id, and a complaint that is no longer
    waiting for dispatch (already assigned, or closed meanwhile) is left alone.
    """

    def __init__(self, rules: RuleTable, clock: Clock) -> None:
        self.rules = rules
        self.clock = clock

    async def __call__(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        received = COMPLAINT_EVENTS.decode(event)
        if not isinstance(received, ComplaintReceived):
            raise PoisonMessage(f"expected ComplaintReceived, got {event.type}")
        state, _ = await load(ctx.store, event.stream_id)
        if state.status is not Status.RECEIVED:
            log.info(
                "complaint no longer waits for dispatch",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return
        decision = self.rules.route(received)
        command = AssignComplaint(
            actor=ROUTING,
            at=self.clock.now(),
            department=decision.department,
            rule=decision.rule,
            note=decision.note,
        )
        outcome = await execute_caused_by(event, ctx, command, clock=self.clock)
        log.info(
            "complaint assigned",
            extra={
                "complaint_no": event.stream_id,
                "department": decision.department,
                "rule": decision.rule,
                "stream_version": outcome.stream_version,
                "rejected": outcome.rejection.reason_code if outcome.rejection else None,
            },
        )
