"""The revisit list: a projection of RevisitScheduled, FeedbackReceived and ComplaintWithdrawn.

One row per complaint, for its latest revisit, as of the row's ``stream_version``: an event is
applied only when its stream_version is greater, so redelivery and replay change nothing.
"""

from __future__ import annotations

from sqlalchemy import text

from shared.complaints.events import COMPLAINT_EVENTS, FeedbackReceived, RevisitScheduled
from shared.complaints.state import fold_recorded
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage

REVISIT_EVENTS = frozenset({"RevisitScheduled", "FeedbackReceived", "ComplaintWithdrawn"})

SCHEDULED = text(
    """
    INSERT INTO revisits AS r (complaint_no, department, due_at, status, scheduled_at, stream_version)
    VALUES (:no, :department, :due_at, 'pending', :at, :version)
    ON CONFLICT (complaint_no) DO UPDATE SET
        department = excluded.department, due_at = excluded.due_at, status = 'pending',
        scheduled_at = excluded.scheduled_at, completed_at = NULL, outcome = NULL, score = NULL,
        rounds = r.rounds + 1, stream_version = excluded.stream_version, updated_at = now()
    WHERE r.stream_version < excluded.stream_version
    """
)
DONE = text(
    """
    UPDATE revisits SET status = 'done', completed_at = :at, outcome = :outcome, score = :score,
        stream_version = :version, updated_at = now()
    WHERE complaint_no = :no AND status = 'pending' AND stream_version < :version
    """
)


async def project_revisit(event: RecordedEvent, ctx: HandlerContext) -> None:
    """Consumer handler for the events in REVISIT_EVENTS."""
    payload = COMPLAINT_EVENTS.decode(event)
    params = {"no": event.stream_id, "at": event.occurred_at, "version": event.stream_version}
    if isinstance(payload, RevisitScheduled):
        department = await _department_at(event, ctx)
        await ctx.connection.execute(
            SCHEDULED, {**params, "department": department, "due_at": payload.due_at}
        )
    elif isinstance(payload, FeedbackReceived):
        outcome = (
            "satisfied" if payload.satisfied else "acknowledged" if payload.acknowledged else "dissatisfied"
        )
        await ctx.connection.execute(DONE, {**params, "outcome": outcome, "score": payload.score})
    elif event.type == "ComplaintWithdrawn":
        await ctx.connection.execute(DONE, {**params, "outcome": "withdrawn", "score": None})


async def _department_at(event: RecordedEvent, ctx: HandlerContext) -> str:
    """The department responsible when the revisit was scheduled, from the complaint's stream."""
    records = await ctx.store.read_stream(event.stream_id)
    state = fold_recorded(r for r in records if r.stream_version <= event.stream_version)
    if state.department is None:
        raise PoisonMessage(
            f"complaint {event.stream_id} has no department at version {event.stream_version}"
        )
    return state.department
