"""After the department replies (ComplaintResolved), schedule the revisit (回访) of the complainant."""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.clock import Clock
from shared.complaints.commands import ScheduleRevisit
from shared.complaints.consuming import execute_caused_by
from shared.complaints.handling import load
from shared.complaints.values import Status
from shared.events import Actor, RecordedEvent
from shared.messaging.consumer import HandlerContext

log = logging.getLogger(__name__)

FEEDBACK = Actor.service("feedback")


class ScheduleRevisitOnResolution:
    """ComplaintResolved → RevisitScheduled, due ``delay`` after the resolution.

    Idempotent: the consumer runs it once per event id, and only a complaint still resolved
    and waiting for its revisit gets one (feedback may already have come in, or a later
    resolution already has its revisit).
    """

    def __init__(self, delay: timedelta, clock: Clock) -> None:
        self.delay = delay
        self.clock = clock

    async def __call__(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        state, _ = await load(ctx.store, event.stream_id)
        if state.status is not Status.RESOLVED:
            log.info(
                "no revisit to schedule",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return
        resolved_at = state.resolved_at or event.occurred_at  # the latest resolution's time
        command = ScheduleRevisit(actor=FEEDBACK, at=self.clock.now(), due_at=resolved_at + self.delay)
        outcome = await execute_caused_by(event, ctx, command, clock=self.clock)
        log.info(
            "revisit scheduled",
            extra={
                "complaint_no": event.stream_id,
                "due_at": command.due_at.isoformat(),
                "stream_version": outcome.stream_version,
            },
        )
