"""The Kafka side of the read models: every complaint event, applied in the consumer's transaction."""

from __future__ import annotations

from services.analytics.live import notify_changed
from services.analytics.projection import apply_events, hold_shared_lock
from services.analytics.rows import NotAComplaintStream
from shared.complaints import COMPLAINT_EVENTS
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage

PROJECTED_TYPES = frozenset(COMPLAINT_EVENTS.types())
"""Every complaint event type: each one moves the stream version, so each is applied."""


async def project_event(event: RecordedEvent, ctx: HandlerContext) -> None:
    """Apply one event to the read models, atomically with the consumer's dedupe record; the
    dashboards hear of it when that transaction commits."""
    await hold_shared_lock(ctx.connection)
    try:
        applied = await apply_events(ctx.connection, ctx.store, [event])
    except NotAComplaintStream as error:
        raise PoisonMessage(str(error)) from error
    if applied.applied:
        await notify_changed(ctx.connection, event.stream_id, event.type)
