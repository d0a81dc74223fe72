"""Feedback's Kafka subscriptions: revisits scheduled on resolution, and the revisit list."""

from __future__ import annotations

from datetime import timedelta

from services.feedback.handlers import ScheduleRevisitOnResolution
from services.feedback.projection import REVISIT_EVENTS, RevisitsProjection
from shared.events import streams
from shared.messaging.consumer import subscribe_events
from shared.service.runtime import Runtime


def subscribe(runtime: Runtime, revisit_delay: timedelta) -> None:
    topic = runtime.settings.topic_events
    subscribe_events(
        runtime.broker,
        runtime.consumer("feedback"),
        topic,
        batch_handler=ScheduleRevisitOnResolution(revisit_delay, runtime.clock).handle,
        types={"ComplaintResolved"},
        categories={streams.COMPLAINT},
        description="Schedules the revisit (RevisitScheduled) of every resolved complaint.",
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("feedback-revisits"),
        topic,
        batch_handler=RevisitsProjection().handle,
        types=REVISIT_EVENTS,
        categories={streams.COMPLAINT},
        description="Keeps the revisit list (table revisits) from RevisitScheduled, FeedbackReceived "
        "and ComplaintWithdrawn.",
    )
