"""Composition root of the analytics service: read models fed by every complaint event."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.analytics.api import build_router
from services.analytics.config import AnalyticsConfig
from services.analytics.handlers import PROJECTED_TYPES, project_event
from services.analytics.repository import ReadModel
from shared.clock import Clock, SystemClock
from shared.complaints.topics import complaint_routes
from shared.messaging.consumer import subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    config: AnalyticsConfig | None = None,
) -> FastAPI:
    config = config or AnalyticsConfig()
    runtime = Runtime("analytics", settings, clock or SystemClock(), extra_routes=complaint_routes)
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        project_event,
        types=PROJECTED_TYPES,
        description="Every complaint event, applied to the complaint read models and their timelines.",
    )
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(ReadModel(runtime.engine), ZoneInfo(settings.timezone), config))
    return app
