"""What the analytics endpoints get from the composition root, as FastAPI dependencies.

``main.create_app`` builds the read models and keeps them on ``app.state`` under the names
below; the module-level routers of the read models reach them only through these dependencies
(and the runtime and clock through ``shared.service.dependencies``), so a test replaces any of
them with ``app.dependency_overrides[dependency] = ...``.

(No ``from __future__ import annotations``: FastAPI evaluates the annotations.)
"""

from collections.abc import Mapping
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends

from services.analytics.attention.queries import AttentionReadModel
from services.analytics.complaints.queries import ReadModel
from services.analytics.config import AnalyticsConfig
from services.analytics.cooperations.queries import Cooperations
from services.analytics.eight_d.queries import EightDCases
from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.store import Inspections
from services.analytics.kpis.queries import KpiReadModel
from services.analytics.kpis.targets import Kpi, Target
from services.analytics.live.hub import LiveHub
from services.analytics.reports.monthly import (
    CooperationFigures,
    EightDFigures,
    RiskFigures,
    ScorecardSource,
    StaffSource,
)
from services.analytics.scorecards.rules import ScorecardRules
from shared.service.dependencies import CurrentRuntime, state_dependency


def current_zone(runtime: CurrentRuntime) -> ZoneInfo:
    """The organisation's time zone (TOUSU_TIMEZONE): local days, months and times are in it."""
    return ZoneInfo(runtime.settings.timezone)


analytics_config = state_dependency("analytics_config")
kpi_targets = state_dependency("kpi_targets")
complaint_read_model = state_dependency("complaint_read_model")
kpi_read_model = state_dependency("kpi_read_model")
insights_read_model = state_dependency("insights_read_model")
attention_read_model = state_dependency("attention_read_model")
inspections = state_dependency("inspections")
scorecard_rules = state_dependency("scorecard_rules")
report_scorecards = state_dependency("report_scorecards")
report_staff = state_dependency("report_staff")
live_hub = state_dependency("live_hub")
risk_flags = state_dependency("risk_flags")
report_risk = state_dependency("report_risk")
cooperations_read_model = state_dependency("cooperations")
report_cooperation = state_dependency("report_cooperation")
report_eight_d = state_dependency("report_eight_d")
eight_d_cases = state_dependency("eight_d_cases")

Zone = Annotated[ZoneInfo, Depends(current_zone)]
Config = Annotated[AnalyticsConfig, Depends(analytics_config)]
Targets = Annotated[Mapping[Kpi, Target], Depends(kpi_targets)]
Complaints = Annotated[ReadModel, Depends(complaint_read_model)]
Kpis = Annotated[KpiReadModel, Depends(kpi_read_model)]
Insights = Annotated[InsightsReadModel, Depends(insights_read_model)]
AttentionQueue = Annotated[AttentionReadModel, Depends(attention_read_model)]
InspectionWeeks = Annotated[Inspections, Depends(inspections)]
Scorecard = Annotated[ScorecardRules, Depends(scorecard_rules)]
ReportScorecards = Annotated[ScorecardSource | None, Depends(report_scorecards)]
ReportStaffCards = Annotated[StaffSource | None, Depends(report_staff)]
Hub = Annotated[LiveHub, Depends(live_hub)]
ReportRisk = Annotated[RiskFigures | None, Depends(report_risk)]
CooperationsReadModel = Annotated[Cooperations, Depends(cooperations_read_model)]
ReportCooperationFigures = Annotated[CooperationFigures | None, Depends(report_cooperation)]
ReportEightD = Annotated[EightDFigures | None, Depends(report_eight_d)]
EightDCasesReadModel = Annotated[EightDCases, Depends(eight_d_cases)]
