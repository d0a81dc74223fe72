"""The consumer: complaint events start, stop and move the SLA clocks in ``sla_deadlines``.

Everything happens on ``ctx.connection``, in the transaction that also records the event id,
so a clock change and its dedupe mark commit together. A redelivered event changes nothing:
the consumer skips its id, and a start is keyed by the starting event's id besides.
"""

from __future__ import annotations

import logging

from services.sla import repository
from services.sla.clocks import CLOCK_EVENTS, Reassign, Start, Stop, transitions
from services.sla.deadlines import DeadlinePlanner
from shared.complaints import COMPLAINT_EVENTS, ComplaintReceived, Grade, fold_recorded
from shared.events import RecordedEvent
from shared.eventstore import EventStore
from shared.messaging.consumer import HandlerContext, PoisonMessage

log = logging.getLogger(__name__)

SUBSCRIBED = CLOCK_EVENTS


class ClockKeeper:
    """Applies each clock-changing complaint event to the deadlines table."""

    def __init__(self, planner: DeadlinePlanner) -> None:
        self.planner = planner

    async def handle(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        payload = COMPLAINT_EVENTS.decode(event)
        changes = transitions(payload, event.occurred_at)
        grade: Grade | None = payload.grade if isinstance(payload, ComplaintReceived) else None
        for change in changes:
            match change:
                case Stop():
                    await repository.stop(
                        ctx.connection,
                        event.stream_id,
                        change.stage,
                        event.occurred_at,
                        change.reason,
                        event.event_id,
                        event.stream_version,
                    )
                case Reassign():
                    await repository.reassign(
                        ctx.connection, event.stream_id, change.department, event.stream_version
                    )
                case Start():
                    grade = grade or await grade_at(ctx.store, event)
                    schedule = self.planner.plan(grade, change.stage, change.started_at)
                    generation = await repository.start(
                        ctx.connection,
                        event.stream_id,
                        schedule,
                        change.department,
                        event.event_id,
                        event.stream_version,
                    )
                    log.info(
                        "sla clock started" if generation else "sla clock already started by this event",
                        extra={
                            "complaint_no": event.stream_id,
                            "stage": change.stage.value,
                            "generation": generation,
                            "due_at": schedule.due_at.isoformat(),
                        },
                    )


async def grade_at(store: EventStore, event: RecordedEvent) -> Grade:
    """The complaint's grade as of ``event``, from its stream in the event store."""
    records = [
        r for r in await store.read_stream(event.stream_id) if r.stream_version <= event.stream_version
    ]
    state = fold_recorded(records)
    if state.grade is None:
        raise PoisonMessage(f"complaint {event.stream_id} is not in the event store; no clock to start")
    return state.grade
