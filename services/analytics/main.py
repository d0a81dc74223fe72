"""Composition root of the analytics service: read models fed by every complaint event."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.analytics.attention.api import build_attention_router
from services.analytics.attention.queries import AttentionReadModel
from services.analytics.complaints.api import build_router
from services.analytics.complaints.projection import PROJECTED_TYPES, AnalyticsProjection
from services.analytics.complaints.queries import ReadModel
from services.analytics.config import AnalyticsConfig
from services.analytics.insights.api import build_insight_router
from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.api import build_inspection_router
from services.analytics.inspection.schedule import weekly_schedule
from services.analytics.inspection.store import Inspections
from services.analytics.kpis.api import build_kpi_router
from services.analytics.kpis.queries import KpiReadModel
from services.analytics.kpis.service_volume import ServiceVolumeMessage, VolumeHandler, decode_volume
from services.analytics.kpis.targets import effective_targets
from services.analytics.live.hub import LiveHub, build_live_router
from services.analytics.scorecards.api import build_scorecard_router, report_scorecards
from services.analytics.scorecards.rules import load_scorecard
from services.analytics.web.api import build_dashboard_router
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.eventstore import PostgresEventStore
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe, subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.service.session_api import build_session_router
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    config: AnalyticsConfig | None = None,
) -> FastAPI:
    config = config or AnalyticsConfig()
    scorecard = load_scorecard(config.scorecard_file)  # ScorecardError (file:line) stops the start-up
    clock = clock or SystemClock()
    zone = ZoneInfo(settings.timezone)
    runtime = Runtime("analytics", settings, clock, extra_routes=complaint_routes)
    hub = LiveHub(runtime.engine)
    runtime.background(hub.listen)
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        batch_handler=AnalyticsProjection().handle,
        types=PROJECTED_TYPES,
        categories={streams.COMPLAINT},
        description="Every complaint event, applied to the complaint read models and their timelines.",
    )
    subscribe(
        runtime.broker,
        runtime.consumer("analytics-service-volume"),
        settings.topic_service_volume,
        VolumeHandler(runtime.clock),
        decode_volume,
        title=f"{settings.topic_service_volume}:analytics",
        description="Channels publish service volume per local day and channel here (JSON, schema "
        "ServiceVolumeMessage): the complaint rate's denominator. Redeliveries are ignored by message_id; "
        "invalid ones and unknown channels go to the dead-letter topic.",
        schema=ServiceVolumeMessage,
    )
    kpis = KpiReadModel(runtime.engine, zone)
    insights = InsightsReadModel(runtime.engine, zone)
    inspections = Inspections(PostgresEventStore(runtime.engine), insights, runtime.clock)
    if config.inspection_schedule:
        runtime.background(weekly_schedule(inspections, config.inspection_ratio))
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(ReadModel(runtime.engine), zone, config))
    app.include_router(
        build_kpi_router(
            kpis,
            zone,
            config,
            clock,
            effective_targets(config.targets),
            report_scorecards(insights, inspections, scorecard),
        )
    )
    app.include_router(
        build_insight_router(kpis, insights, zone, config, clock, effective_targets(config.targets))
    )
    app.include_router(build_inspection_router(insights, inspections, scorecard, zone, config, clock))
    app.include_router(build_scorecard_router(insights, inspections, scorecard, zone, clock))
    app.include_router(build_attention_router(AttentionReadModel(runtime.engine, zone), clock))
    app.include_router(build_live_router(hub, config.live_keepalive_seconds))
    app.include_router(build_session_router())
    app.include_router(build_dashboard_router())
    return app
