"""HTTP API of the KPI trends, the month's problems and repeat complaints and the SLA calendar
warnings (the inspection and the scorecards: inspection/api.py, scorecards/api.py).

Same rules as complaints/api.py: a bearer token is needed, agents see their own department only.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.analytics.bounds import Day, MonthQ, month_of
from services.analytics.complaints.models import Label
from services.analytics.complaints.views import both, department_label, instant, labelled
from services.analytics.dependencies import Config, Insights, Kpis, Targets, Zone
from services.analytics.filters import ERRORS, Reader, ReaderFilters, local_range, reader_filters
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
from services.analytics.insights.queries import Problem, next_month
from services.analytics.kpis.queries import KpiQuery, target_verdict
from services.analytics.kpis.targets import KPI_LABELS, KPI_UNITS, Kpi
from shared.complaints import Category
from shared.service.dependencies import CurrentClock


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
    kpis: Kpis,
    config: Config,
    targets: Targets,
    clock: CurrentClock,
    zone: Zone,
    granularity: Annotated[Literal["day", "week", "month"], Query(description="Period length.")] = "day",
    date_from: Annotated[
        Day | None, Query(alias="from", description="First local day (2000-01-01 to 2099-12-31).")
    ] = None,
    date_to: Annotated[
        Day | None, Query(alias="to", description="Last local day (default today).")
    ] = None,
) -> Trend:
    default_days = {"day": 29, "week": 7 * 12 - 1, "month": 365}[granularity]
    today = clock.now().astimezone(zone).date()
    first, last = local_range(date_from, date_to, default_days, today, config.kpi_max_days)
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
    insights: Insights,
    clock: CurrentClock,
    zone: Zone,
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
    insights: Insights,
    clock: CurrentClock,
    zone: Zone,
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
async def get_calendar_warnings(principal: Reader, insights: Insights, zone: Zone) -> CalendarWarnings:
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
