"""Feedback's handlers: the revisit (回访) scheduled once the department replies, and the
complainant's answer recorded."""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.clock import Clock
from shared.complaints.commands import Command, GiveFeedback, ScheduleRevisit
from shared.complaints.state import ComplaintState
from shared.complaints.values import Status
from shared.events import Actor, RecordedEvent
from shared.eventstore.complaint_handling import Outcome, execute
from shared.eventstore.unit_of_work import UnitOfWork
from shared.messaging.complaint_reactions import Reacted, Reactor

log = logging.getLogger(__name__)

FEEDBACK = Actor.service("feedback")


class ScheduleRevisitOnResolution(Reactor):
    """ComplaintResolved → RevisitScheduled, due ``delay`` after the resolution.

    Idempotent: the consumer handles each event once, and only a complaint still resolved and
    waiting for its revisit gets one (feedback may already have come in, or a later resolution
    already has its revisit).
    """

    name = "feedback"

    def __init__(self, delay: timedelta, clock: Clock) -> None:
        self.delay = delay
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        if state.status is not Status.RESOLVED:
            log.info(
                "no revisit to schedule",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return None
        resolved_at = state.resolved_at or event.occurred_at  # the latest resolution's time
        return ScheduleRevisit(actor=FEEDBACK, at=self.clock.now(), due_at=resolved_at + self.delay)

    def reacted(self, outcome: Reacted) -> None:
        command = outcome.command
        assert isinstance(command, ScheduleRevisit)
        log.info(
            "revisit scheduled",
            extra={
                "complaint_no": outcome.event.stream_id,
                "due_at": command.due_at.isoformat(),
                "stream_version": outcome.stream_version,
            },
        )


async def give_feedback(uow: UnitOfWork, clock: Clock, complaint_no: str, command: GiveFeedback) -> Outcome:
    """What the complainant said at the revisit: satisfied (or accepting the solution) closes the
    complaint, dissatisfied reopens it. Customer service revisits every department's complaints,
    so no complaint is hidden from the caller. Raises ComplaintNotFound."""
    return await execute(uow.store, complaint_no, command, clock=clock, attempts=uow.attempts)
