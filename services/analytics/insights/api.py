"""HTTP API of the KPI trends, the month's problems and repeat complaints and the SLA calendar
warnings (the inspection and the scorecards: inspection/api.py, scorecards/api.py).

Same rules as complaints/api.py: a bearer token is needed, agents see their own department only.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from services.analytics.bounds import Day, MonthQ
from services.analytics.complaints.api import ERRORS
from services.analytics.complaints.models import Label
from services.analytics.complaints.views import both, department_label, instant, labelled
from services.analytics.config import AnalyticsConfig
from services.analytics.filters import Reader, ReaderFilters, invalid_range, reader_filters
from services.analytics.insights.models import (
    CalendarWarning,
    CalendarWarnings,
    ComplainantRepeatItem,
    ProblemItem,
    Problems,
    ReopenedItem,
    Repeats,
    Trend,
    TrendPoint,
)
from services.analytics.insights.queries import InsightsReadModel, Problem, next_month
from services.analytics.kpis.queries import KpiQuery, KpiReadModel, target_verdict
from services.analytics.kpis.targets import KPI_LABELS, KPI_UNITS, Kpi, Target
from shared.clock import Clock
from shared.complaints import Category


def month_of(text: str | None, clock: Clock, zone: ZoneInfo) -> date:
    """The first day of a YYYY-MM month (validated by MonthQ); default: this local month."""
    if text is None:
        return clock.now().astimezone(zone).date().replace(day=1)
    return date.fromisoformat(f"{text}-01")


def _category_label(code: str) -> Label:
    try:
        return labelled(Category(code))
    except ValueError:
        return Label(zh_cn=code, en=code)


def _calendar_message(years: list[int], complaints: int) -> Label:
    return Label(
        zh_cn=f"SLA 工作日历缺少 {'、'.join(map(str, years))} 年的节假日安排："
        f"{complaints} 件未结投诉的时限按普通工作日计算，请补充日历。",
        en=f"The SLA working calendar lacks the holidays of {', '.join(map(str, years))}: the "
        f"deadlines of {complaints} open complaint{'s' * (complaints != 1)} were counted on plain "
        "weekdays. Add the year to the calendar.",
    )


def _problem_item(problem: Problem) -> ProblemItem:
    change = problem.count - problem.previous
    return ProblemItem(
        category=problem.category,
        category_label=_category_label(problem.category),
        kind=problem.kind,
        key=problem.key,
        count=problem.count,
        previous=problem.previous,
        change=change,
        change_pct=round(100.0 * change / problem.previous, 2) if problem.previous else None,
        complaint_nos=problem.complaint_nos,
    )


def _periods(granularity: str, first: date, last: date) -> list[date]:
    """The first days of the periods the range touches (weeks start on Monday, as date_trunc)."""
    if granularity == "day":
        start, step = first, None
    elif granularity == "week":
        start, step = first - timedelta(days=first.weekday()), None
    else:
        start, step = first.replace(day=1), "month"
    result: list[date] = []
    day = start
    while day <= last:
        result.append(day)
        if step == "month":
            day = next_month(day)
        else:
            day += timedelta(days=1 if granularity == "day" else 7)
    return result


def build_insight_router(
    kpis: KpiReadModel,
    insights: InsightsReadModel,
    zone: ZoneInfo,
    config: AnalyticsConfig,
    clock: Clock,
    targets: Mapping[Kpi, Target],
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])

    @router.get(
        "/kpis/trend",
        summary="One KPI per day, week or month over a local date range, with its target",
        response_model=Trend,
        responses={**ERRORS, 422: {"description": "A parameter is invalid, or the range is."}},
    )
    async def get_trend(
        filters: ReaderFilters,
        kpi: Annotated[Kpi, Query(description="The KPI.")],
        granularity: Annotated[Literal["day", "week", "month"], Query(description="Period length.")] = "day",
        date_from: Annotated[
            Day | None, Query(alias="from", description="First local day (2000-01-01 to 2099-12-31).")
        ] = None,
        date_to: Annotated[
            Day | None, Query(alias="to", description="Last local day (default today).")
        ] = None,
    ) -> Trend:
        last = date_to or clock.now().astimezone(zone).date()
        default_days = {"day": 29, "week": 7 * 12 - 1, "month": 365}[granularity]
        first = date_from or last - timedelta(days=default_days)
        if first > last:
            raise invalid_range("`from` is after `to`", "开始日期晚于结束日期")
        if (last - first).days + 1 > config.kpi_max_days:
            raise invalid_range(
                f"the range is longer than {config.kpi_max_days} days",
                f"日期范围超过 {config.kpi_max_days} 天",
            )
        _totals, series = await kpis.slices(KpiQuery(granularity, first, last, None, filters))
        by_period = {row.period: row for row in series}
        target = targets[kpi]
        points = []
        for period in _periods(granularity, first, last):
            row = by_period.get(period)
            measured = next((m for m in row.kpis if m.code is kpi), None) if row else None
            verdict = target_verdict(measured, targets)[1] if measured else None
            points.append(
                TrendPoint(
                    period=period,
                    value=measured.value if measured else None,
                    rag=verdict,
                    received=row.received if row else 0,
                )
            )
        return Trend(
            kpi=kpi.value,
            label=both(KPI_LABELS[kpi]),
            unit=KPI_UNITS[kpi].value,
            target=target.value,
            direction=target.direction.value,
            granularity=granularity,
            date_from=first,
            date_to=last,
            department_scope=filters.scope_department,
            points=points,
        )

    @router.get(
        "/problems",
        summary="The month's high-frequency problems: category × product (or subject), with the change",
        response_model=Problems,
        responses=ERRORS,
    )
    async def get_problems(
        filters: ReaderFilters,
        month: MonthQ = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Most problems listed.")] = 10,
    ) -> Problems:
        first = month_of(month, clock, zone)
        problems = await insights.problems(first, filters, limit)
        return Problems(
            month=first.strftime("%Y-%m"),
            department_scope=filters.scope_department,
            items=[_problem_item(p) for p in problems],
        )

    @router.get(
        "/repeats",
        summary="The month's repeat complaints: the same product and category again, and reopened ones",
        response_model=Repeats,
        responses=ERRORS,
    )
    async def get_repeats(
        filters: ReaderFilters,
        month: MonthQ = None,
    ) -> Repeats:
        first = month_of(month, clock, zone)
        problems = await insights.problems(first, filters, None)
        reopened = await insights.reopened(first, filters)
        by_complainant = await insights.complainant_repeats(first, filters)
        return Repeats(
            month=first.strftime("%Y-%m"),
            department_scope=filters.scope_department,
            product_repeats=[_problem_item(p) for p in problems if p.count >= 2],
            reopened=[
                ReopenedItem(
                    complaint_no=row["complaint_no"],
                    department=row["department"],
                    department_label=department_label(row["department"]),
                    category=row["category"],
                    status=row["status"],
                    reopen_count=row["reopen_count"],
                    reopened_in_month=int(row["reopened_in_month"]),
                    last_reopened_at=instant(row["last_reopened_at"], zone),
                )
                for row in reopened
            ],
            complainant_repeats=[
                ComplainantRepeatItem(
                    complainant=f"C-{str(row['complainant_id'])[:8]}",
                    complainant_id=str(row["complainant_id"]),
                    count=int(row["count"]),
                    complaint_nos=list(row["complaint_nos"]),
                )
                for row in by_complainant
            ],
        )

    @router.get(
        "/calendar-warnings",
        summary="Open complaints whose deadlines were counted without a year's holidays (SLA calendar gap)",
        response_model=CalendarWarnings,
        responses=ERRORS,
    )
    async def get_calendar_warnings(principal: Reader) -> CalendarWarnings:
        rows = await insights.calendar_warnings(reader_filters(principal))
        items = []
        for row in rows:
            summary = row["summary"] or {}
            items.append(
                CalendarWarning(
                    complaint_no=row["complaint_no"],
                    department=row["department"],
                    stage=str(summary.get("stage", "")),
                    deadline=summary.get("deadline"),
                    years=[int(y) for y in summary.get("years", [])],
                    raised_at=instant(row["occurred_at"], zone),
                )
            )
        years = sorted({year for item in items for year in item.years})
        message = _calendar_message(years, len(items)) if years else Label(zh_cn="", en="")
        return CalendarWarnings(years=years, message=message, items=items)

    return router
