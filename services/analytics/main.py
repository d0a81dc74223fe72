"""Composition root of the analytics service: read models fed by every complaint event.

The read models are built here and kept on ``app.state`` under the names
``services.analytics.dependencies`` reads; the routers are module-level and included as they are.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.analytics.attention import api as attention_api
from services.analytics.attention.queries import AttentionReadModel
from services.analytics.complaints import api as complaints_api
from services.analytics.complaints.projection import PROJECTED_TYPES, AnalyticsProjection
from services.analytics.complaints.queries import ReadModel
from services.analytics.config import AnalyticsConfig
from services.analytics.cooperations import api as cooperations_api
from services.analytics.cooperations.queries import Cooperations, report_cooperation
from services.analytics.director import api as director_api
from services.analytics.eight_d import api as eight_d_api
from services.analytics.eight_d.queries import EightDCases, report_eight_d
from services.analytics.extensions import api as extensions_api
from services.analytics.insights import api as insights_api
from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection import api as inspection_api
from services.analytics.inspection.schedule import weekly_schedule
from services.analytics.inspection.store import Inspections
from services.analytics.kpis import api as kpis_api
from services.analytics.kpis import drilldown as kpi_drilldown
from services.analytics.kpis.queries import KpiReadModel
from services.analytics.kpis.service_volume import ServiceVolumeMessage, VolumeHandler, decode_volume
from services.analytics.kpis.targets import effective_targets
from services.analytics.live import api as live_api
from services.analytics.live.hub import LiveHub
from services.analytics.objections import api as objections_api
from services.analytics.risk import api as risk_api
from services.analytics.risk.queries import RiskFlags, report_risk
from services.analytics.scorecards import api as scorecards_api
from services.analytics.scorecards import staff_api
from services.analytics.scorecards.api import report_scorecards
from services.analytics.scorecards.rules import load_scorecard
from services.analytics.scorecards.staff_api import report_staff, unheaded_chains
from services.analytics.web import api as web_api
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.eventstore import PostgresEventStore
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe, subscribe_events
from shared.service import oidc_api
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.oidc import OidcConfig, Provider
from shared.service.runtime import Runtime
from shared.service.session_api import build_session_router
from shared.service.session_pruning import session_pruning
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    config: AnalyticsConfig | None = None,
) -> FastAPI:
    config = config or AnalyticsConfig()
    scorecard = load_scorecard(config.scorecard_file)  # ScorecardError (file:line) stops the start-up
    runtime = Runtime("analytics", settings, clock or SystemClock(), extra_routes=complaint_routes)
    hub = LiveHub(runtime.engine)
    runtime.background(hub.listen)
    _subscribe(runtime, settings)
    zone = ZoneInfo(settings.timezone)
    kpis = KpiReadModel(runtime.engine, zone)
    insights = InsightsReadModel(runtime.engine, zone)
    inspections = Inspections(PostgresEventStore(runtime.engine), insights, runtime.clock)
    if config.inspection_schedule:
        runtime.background(weekly_schedule(inspections, config.inspection_ratio))
    app = create_service_app(runtime, tokens=tokens)
    state = app.state
    # sign-in is served here, so the old sessions are forgotten here (one DELETE, any instance)
    runtime.background(session_pruning(state.sessions, config.session_prune_interval_seconds))
    state.analytics_config = config
    state.kpi_targets = effective_targets(config.targets)
    state.complaint_read_model = ReadModel(runtime.engine)
    state.kpi_read_model = kpis
    state.insights_read_model = insights
    state.attention_read_model = AttentionReadModel(runtime.engine, zone)
    state.inspections = inspections
    state.scorecard_rules = scorecard
    state.report_scorecards = report_scorecards(insights, inspections, scorecard)
    state.report_staff = report_staff(insights, inspections, scorecard, state.tokens)
    for department in unheaded_chains(scorecard, state.tokens):
        # a warning, not a refusal: the tokens file may gain the head's token without a restart
        log.warning("scorecard_head_without_token department=%s", department)
    state.live_hub = hub
    state.risk_flags = RiskFlags(runtime.engine)
    state.report_risk = report_risk(state.risk_flags, zone)
    state.cooperations = Cooperations(runtime.engine)
    state.report_cooperation = report_cooperation(state.cooperations, zone)
    state.eight_d_cases = EightDCases(runtime.engine)
    state.report_eight_d = report_eight_d(state.eight_d_cases, zone)
    for api in (
        complaints_api,
        kpis_api,
        kpi_drilldown,
        insights_api,
        inspection_api,
        scorecards_api,
        staff_api,
        attention_api,
        extensions_api,
        director_api,
        objections_api,
        cooperations_api,
        risk_api,
        eight_d_api,
        live_api,
    ):
        app.include_router(api.router)
    app.include_router(build_session_router())
    oidc_config = OidcConfig.from_settings(settings)
    state.oidc_provider = Provider(oidc_config) if oidc_config is not None else None
    app.include_router(oidc_api.router)  # its routes are 404 while no provider is configured
    app.include_router(web_api.router)
    return app


def _subscribe(runtime: Runtime, settings: Settings) -> None:
    """The complaint events into the complaint read models; service volume into the KPIs' table."""
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
