"""Composition root of the feedback service (回访)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.feedback.api import build_router
from services.feedback.config import FeedbackSettings
from services.feedback.projection import REVISIT_EVENTS, RevisitsProjection
from services.feedback.schedule import ScheduleRevisitOnResolution
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    revisit_delay: timedelta | None = None,
) -> FastAPI:
    own = FeedbackSettings()
    runtime = Runtime("feedback", settings, clock or SystemClock(), extra_routes=complaint_routes)
    subscribe_events(
        runtime.broker,
        runtime.consumer("feedback"),
        settings.topic_events,
        batch_handler=ScheduleRevisitOnResolution(revisit_delay or own.revisit_delay, runtime.clock).handle,
        types={"ComplaintResolved"},
        categories={streams.COMPLAINT},
        description="Schedules the revisit (RevisitScheduled) of every resolved complaint.",
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("feedback-revisits"),
        settings.topic_events,
        batch_handler=RevisitsProjection().handle,
        types=REVISIT_EVENTS,
        categories={streams.COMPLAINT},
        description="Keeps the revisit list (table revisits) from RevisitScheduled, FeedbackReceived "
        "and ComplaintWithdrawn.",
    )
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(runtime, own.revisit_department))
    return app
