"""KPI targets and the red/amber/green verdict against them (formulas: docs/kpis.md).

A target says which side is good (``at_least`` or ``at_most``) and how far on the wrong side a
value may be and still be amber. Defaults come from the domain brief where it names one
(response timeliness ≥ 95 %, first-contact resolution ≥ 90 %, satisfaction ≥ 90/100, complaint
rate ≤ 2 %, formal-complaint resolution 100 %); the others are this service's choice, and every
one can be changed with TOUSU_ANALYTICS_TARGETS (JSON, only the codes to change).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from shared.complaints import Lang
from shared.complaints.values import bilingual


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Rag(StrEnum):
    """Red, amber or green: how a value stands against its target."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Unit(StrEnum):
    PERCENT = "percent"
    SCORE = "score"
    HOURS = "hours"


class Target(BaseModel):
    """What a KPI should be."""

    value: float = Field(description="The target value, in the KPI's unit.")
    direction: Direction = Field(description="at_least: higher is better; at_most: lower is better.")
    amber_margin: float = Field(
        ge=0, description="How far on the wrong side of the target a value is still amber, not red."
    )


class Kpi(StrEnum):
    """The KPI codes, in the order the dashboard shows them."""

    RESPONSE_TIMELINESS = "response_timeliness"
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
    TIMELY_HANDLING = "timely_handling"
    SATISFACTION = "satisfaction"
    EMPLOYEE_SATISFACTION = "employee_satisfaction"
    COMPLAINT_RATE = "complaint_rate"
    FORMAL_RESOLUTION = "formal_resolution"
    SLA_BREACH_RATE = "sla_breach_rate"
    REOPEN_RATE = "reopen_rate"
    HANDLING_TIME_MEDIAN = "handling_time_median"
    HANDLING_TIME_P90 = "handling_time_p90"
    EIGHT_D_ON_TIME = "eight_d_on_time"
    """8D cases closed within their time limit (a week by default): docs/8d.md."""


_l = bilingual  # the table below is long enough without the full name


KPI_LABELS: dict[Kpi, dict[Lang, str]] = {
    Kpi.RESPONSE_TIMELINESS: _l("响应及时率", "Response timeliness"),
    Kpi.FIRST_CONTACT_RESOLUTION: _l("问题解决率（一次解决）", "First-contact resolution"),
    Kpi.TIMELY_HANDLING: _l("处理及时率", "Timely handling"),
    Kpi.SATISFACTION: _l("满意度", "Satisfaction"),
    Kpi.EMPLOYEE_SATISFACTION: _l("员工满意度", "Employee satisfaction"),
    Kpi.COMPLAINT_RATE: _l("投诉率", "Complaint rate"),
    Kpi.FORMAL_RESOLUTION: _l("正式投诉解决率", "Formal-complaint resolution"),
    Kpi.SLA_BREACH_RATE: _l("超时率", "SLA breach rate"),
    Kpi.REOPEN_RATE: _l("重开率", "Reopen rate"),
    Kpi.HANDLING_TIME_MEDIAN: _l("处理时长中位数", "Handling time, median"),
    Kpi.HANDLING_TIME_P90: _l("处理时长 P90", "Handling time, p90"),
    Kpi.EIGHT_D_ON_TIME: _l("8D 一周内结案率", "8D cases closed within a week"),
}

KPI_UNITS: dict[Kpi, Unit] = {
    Kpi.RESPONSE_TIMELINESS: Unit.PERCENT,
    Kpi.FIRST_CONTACT_RESOLUTION: Unit.PERCENT,
    Kpi.TIMELY_HANDLING: Unit.PERCENT,
    Kpi.SATISFACTION: Unit.SCORE,
    Kpi.EMPLOYEE_SATISFACTION: Unit.SCORE,
    Kpi.COMPLAINT_RATE: Unit.PERCENT,
    Kpi.FORMAL_RESOLUTION: Unit.PERCENT,
    Kpi.SLA_BREACH_RATE: Unit.PERCENT,
    Kpi.REOPEN_RATE: Unit.PERCENT,
    Kpi.HANDLING_TIME_MEDIAN: Unit.HOURS,
    Kpi.HANDLING_TIME_P90: Unit.HOURS,
    Kpi.EIGHT_D_ON_TIME: Unit.PERCENT,
}


def _t(value: float, direction: Direction, amber: float) -> Target:
    return Target(value=value, direction=direction, amber_margin=amber)


DEFAULT_TARGETS: dict[Kpi, Target] = {
    Kpi.RESPONSE_TIMELINESS: _t(95, Direction.AT_LEAST, 5),
    Kpi.FIRST_CONTACT_RESOLUTION: _t(90, Direction.AT_LEAST, 5),
    Kpi.TIMELY_HANDLING: _t(90, Direction.AT_LEAST, 5),
    Kpi.SATISFACTION: _t(90, Direction.AT_LEAST, 5),
    Kpi.EMPLOYEE_SATISFACTION: _t(85, Direction.AT_LEAST, 5),
    Kpi.COMPLAINT_RATE: _t(2, Direction.AT_MOST, 0.5),
    Kpi.FORMAL_RESOLUTION: _t(100, Direction.AT_LEAST, 5),
    Kpi.SLA_BREACH_RATE: _t(5, Direction.AT_MOST, 5),
    Kpi.REOPEN_RATE: _t(10, Direction.AT_MOST, 5),
    Kpi.HANDLING_TIME_MEDIAN: _t(72, Direction.AT_MOST, 24),
    Kpi.HANDLING_TIME_P90: _t(120, Direction.AT_MOST, 48),
    Kpi.EIGHT_D_ON_TIME: _t(90, Direction.AT_LEAST, 10),
}
"""Defaults; TOUSU_ANALYTICS_TARGETS overrides any of them."""


def effective_targets(overrides: dict[Kpi, Target]) -> dict[Kpi, Target]:
    return {**DEFAULT_TARGETS, **overrides}


def rag(value: float | None, target: Target) -> Rag | None:
    """Green on the good side of the target (or on it), amber within the margin, red beyond;
    None when there is no value (nothing to measure in the slice)."""
    if value is None:
        return None
    shortfall = target.value - value if target.direction is Direction.AT_LEAST else value - target.value
    if shortfall <= 0:
        return Rag.GREEN
    if shortfall <= target.amber_margin:
        return Rag.AMBER
    return Rag.RED
