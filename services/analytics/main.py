"""Composition root of the analytics service: read models fed by every complaint event."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.analytics.api import build_router
from services.analytics.config import AnalyticsConfig
from services.analytics.dashboard import build_dashboard_router
from services.analytics.handlers import PROJECTED_TYPES, project_event
from services.analytics.kpi_api import build_kpi_router
from services.analytics.kpis import KpiReadModel
from services.analytics.live import LiveHub, build_live_router
from services.analytics.repository import ReadModel
from services.analytics.targets import effective_targets
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
    clock = clock or SystemClock()
    zone = ZoneInfo(settings.timezone)
    runtime = Runtime("analytics", settings, clock, extra_routes=complaint_routes)
    hub = LiveHub(runtime.engine)
    runtime.background(hub.listen)
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        project_event,
        types=PROJECTED_TYPES,
        description="Every complaint event, applied to the complaint read models and their timelines.",
    )
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(ReadModel(runtime.engine), zone, config))
    app.include_router(
        build_kpi_router(
            KpiReadModel(runtime.engine, zone), zone, config, clock, effective_targets(config.targets)
        )
    )
    app.include_router(build_live_router(hub, config.live_keepalive_seconds))
    app.include_router(build_dashboard_router())
    return app
