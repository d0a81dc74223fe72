"""The Kafka side of the read models: stored events, a batch at a time, applied in the consumer's
transaction."""

from __future__ import annotations

from collections.abc import Sequence

from services.analytics.live import notify_changes
from services.analytics.projection import apply_events, hold_shared_lock
from services.analytics.rows import NotAComplaintStream
from shared.complaints import COMPLAINT_EVENTS
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage

PROJECTED_TYPES = frozenset(COMPLAINT_EVENTS.types())
"""Every complaint event type: each one moves the stream version, so each is applied."""


async def project_events(events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
    """Apply a batch of events to the read models, atomically with the consumer's positions; the
    dashboards hear of each changed complaint when that transaction commits."""
    await hold_shared_lock(ctx.connection)
    try:
        applied = await apply_events(ctx.connection, ctx.store, events)
    except NotAComplaintStream as error:
        raise PoisonMessage(str(error)) from error
    if applied.applied:
        await notify_changes(ctx.connection, {event.stream_id: event.type for event in events})


async def project_event(event: RecordedEvent, ctx: HandlerContext) -> None:
    """One event (tests, and callers outside the consumer)."""
    await project_events([event], ctx)
