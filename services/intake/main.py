"""Composition root of the intake service (受理)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.intake.api import build_router
from services.intake.handlers import AcknowledgementHandler, SubmissionHandler, decode_submission
from services.intake.notifier import LoggingNotifier, Notifier
from services.intake.submission import IntakeMessage
from shared.clock import Clock, SystemClock
from shared.complaints.topics import complaint_routes
from shared.messaging.consumer import subscribe, subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    notifier: Notifier | None = None,
) -> FastAPI:
    runtime = Runtime("intake", settings, clock or SystemClock(), extra_routes=complaint_routes)
    zone = ZoneInfo(settings.timezone)
    subscribe(
        runtime.broker,
        runtime.consumer("intake-submissions"),
        settings.topic_intake,
        SubmissionHandler(runtime.clock, zone),
        decode_submission,
        title=f"{settings.topic_intake}:intake",
        description="Channels publish complaint submissions here (JSON, schema IntakeMessage); "
        "invalid ones go to the dead-letter topic with field-level reasons.",
        schema=IntakeMessage,
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("intake"),
        settings.topic_events,
        AcknowledgementHandler(notifier or LoggingNotifier(), runtime.clock),
        types={"ComplaintReceived"},
        description="Acknowledges every received complaint to its complainant.",
    )
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(runtime, f"http://{settings.host}:{settings.analytics_port}"))
    return app
