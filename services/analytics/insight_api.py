"""HTTP API of the KPI trends, the month's problems and repeat complaints, the SLA calendar
warnings, the weekly quality inspection and the department scorecards.

Same rules as api.py: a bearer token is needed, agents see their own department only. Drawing
and scoring inspection samples is for operators and supervisors (and admins); reading a week's
sample for them and auditors.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Query

from services.analytics.api import ERRORS, Reader, _scope
from services.analytics.config import AnalyticsConfig
from services.analytics.insight_models import (
    CalendarWarning,
    CalendarWarnings,
    ChainLink,
    DepartmentInspection,
    DepartmentScorecard,
    DrawRequest,
    InspectionScore,
    InspectionScores,
    ProblemItem,
    Problems,
    ReopenedItem,
    Repeats,
    SampledComplaint,
    Scorecards,
    ScoreRequest,
    Trend,
    TrendPoint,
    WeekSample,
)
from services.analytics.insights import InsightsReadModel, Problem, complainant_repeats
from services.analytics.inspection import InvalidWeek, IsoWeek, new_seed, weeks_of_month
from services.analytics.inspection_events import SCORE_ITEMS
from services.analytics.inspection_store import InspectionRefused, Inspections, WeekInspection
from services.analytics.kpi_api import (
    CategoryQ,
    ChannelQ,
    DepartmentQ,
    GradeQ,
    Reporter,
    _bad_range,
    _filters,
)
from services.analytics.kpis import KpiQuery, KpiReadModel, target_verdict
from services.analytics.models import Instant, Label
from services.analytics.report import ReportScorecard, ScorecardSource
from services.analytics.scorecard import (
    DepartmentScore,
    Incident,
    IncidentRecord,
    Link,
    ScorecardRules,
    score_departments,
)
from services.analytics.targets import KPI_LABELS, KPI_UNITS, Kpi, Target
from services.analytics.views import both, department_label, labelled
from shared.clock import Clock
from shared.complaints import Category
from shared.events import Role
from shared.service.auth import Principal, require

Inspector = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR)]

LINK_LABELS = {
    Link.RESPONSIBLE: Label(zh_cn="责任人", en="Responsible person"),
    Link.DEPARTMENT_HEAD: Label(zh_cn="部门负责人", en="Department head"),
    Link.DIRECT_SUPERIOR: Label(zh_cn="直接上级", en="Direct superior"),
    Link.NEXT_SUPERIOR: Label(zh_cn="上一级领导", en="Next superior"),
}

MonthQ = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Local month YYYY-MM (default: this month)."),
]
WeekP = Annotated[str, Path(max_length=10, description="ISO week, e.g. 2026-W47.")]


def _instant(value: Any, zone: ZoneInfo) -> Instant:
    return Instant(utc=value, local=value.astimezone(zone).isoformat())


def _week(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except InvalidWeek as error:
        raise HTTPException(
            422,
            detail={"error": "invalid_week", "message": str(error), "message_zh": f"无效的 ISO 周：{text}"},
        ) from None


def _refused(refusal: InspectionRefused) -> HTTPException:
    return HTTPException(
        refusal.status,
        detail={"error": refusal.code, "message": refusal.message, "message_zh": refusal.message_zh},
    )


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
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        else:
            day += timedelta(days=1 if granularity == "day" else 7)
    return result


def _scorecard(score: DepartmentScore, rules: ScorecardRules) -> DepartmentScorecard:
    return DepartmentScorecard(
        department=score.department,
        label=department_label(score.department),
        score=score.score,
        deducted=score.deducted,
        rating=score.rating.code,
        rating_label=Label(zh_cn=score.rating.zh_cn, en=score.rating.en),
        disqualified=bool(score.disqualified_by),
        disqualified_by=[f"{d.incident.value} ≥ {d.at_least}" for d in score.disqualified_by],
        incidents={kind.value: n for kind, n in score.incidents.items()},
        chain=[
            ChainLink(
                link=person.link.value,
                link_label=LINK_LABELS[person.link],
                person=person.person,
                deducted=person.deducted,
                score=round(max(0.0, rules.full_marks - person.deducted), 4),
                incidents=person.incidents,
            )
            for person in score.people
        ],
    )


def _sample(state: WeekInspection, holders: Mapping[str, Mapping[str, Any]], zone: ZoneInfo) -> WeekSample:
    drawn, event = state.drawn, state.drawn_event
    items = []
    for no in drawn.complaint_nos if drawn else []:
        holder = holders.get(no, {})
        score = state.scores.get(no)
        items.append(
            SampledComplaint(
                complaint_no=no,
                department=holder.get("department"),
                department_label=department_label(holder.get("department")),
                subject=holder.get("subject"),
                score=InspectionScore(
                    attitude=score.attitude,
                    timeliness=score.timeliness,
                    resolution=score.resolution,
                    accuracy=score.accuracy,
                    total=score.total,
                    passed=score.passed,
                    pass_mark=score.pass_mark,
                    scored_at=_instant(state.scored_at[no], zone),
                )
                if score
                else None,
            )
        )
    return WeekSample(
        week=str(state.week),
        stream_id=state.week.stream_id,
        drawn=drawn is not None,
        seed=drawn.seed if drawn else None,
        ratio=drawn.ratio if drawn else None,
        population=drawn.population if drawn else None,
        population_digest=drawn.population_digest if drawn else None,
        drawn_at=_instant(event.occurred_at, zone) if event else None,
        drawn_by=event.actor.id if event else None,
        items=items,
    )


async def department_scorecards(
    insights: InsightsReadModel, inspections: Inspections, rules: ScorecardRules, month: date
) -> list[DepartmentScore]:
    """The month's scorecards: incidents from the read model plus the failed inspections of the
    month's ISO weeks (the latest score of each sampled complaint)."""
    incidents = await insights.incidents(month)
    for state in await inspections.weeks(weeks_of_month(month.year, month.month)):
        for no, score in state.scores.items():
            if score.total < rules.pass_mark:
                incidents.append(
                    IncidentRecord(Incident.FAILED_INSPECTION, no, score.department, score.agent)
                )
    return score_departments(rules, incidents, await insights.active_departments(month))


def report_scorecards(
    insights: InsightsReadModel, inspections: Inspections, rules: ScorecardRules
) -> ScorecardSource:
    """The monthly report's scorecards: the same computation as GET /v1/scorecards."""

    async def source(month: date) -> list[ReportScorecard]:
        cards = []
        for score in await department_scorecards(insights, inspections, rules, month):
            label = department_label(score.department)
            cards.append(
                ReportScorecard(
                    code=score.department,
                    label_zh=label.zh_cn,
                    label_en=label.en,
                    score=score.score,
                    deducted=score.deducted,
                    rating=score.rating.code,
                    rating_zh=score.rating.zh_cn,
                    rating_en=score.rating.en,
                    disqualified_by=[f"{d.incident.value} ≥ {d.at_least}" for d in score.disqualified_by],
                    incidents={kind.value: n for kind, n in score.incidents.items()},
                )
            )
        return cards

    return source


def build_insight_router(
    kpis: KpiReadModel,
    insights: InsightsReadModel,
    inspections: Inspections,
    rules: ScorecardRules,
    zone: ZoneInfo,
    config: AnalyticsConfig,
    clock: Clock,
    targets: Mapping[Kpi, Target],
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])

    def month_of(text: str | None) -> date:
        if text is None:
            return clock.now().astimezone(zone).date().replace(day=1)
        return date.fromisoformat(f"{text}-01")

    @router.get(
        "/kpis/trend",
        summary="One KPI per day, week or month over a local date range, with its target",
        response_model=Trend,
        responses={**ERRORS, 422: {"description": "A parameter is invalid, or the range is."}},
    )
    async def get_trend(
        principal: Reader,
        kpi: Annotated[Kpi, Query(description="The KPI.")],
        granularity: Annotated[Literal["day", "week", "month"], Query(description="Period length.")] = "day",
        date_from: Annotated[date | None, Query(alias="from", description="First local day.")] = None,
        date_to: Annotated[
            date | None, Query(alias="to", description="Last local day (default today).")
        ] = None,
        department: DepartmentQ = None,
        channel: ChannelQ = None,
        category: CategoryQ = None,
        grade: GradeQ = None,
    ) -> Trend:
        last = date_to or clock.now().astimezone(zone).date()
        default_days = {"day": 29, "week": 7 * 12 - 1, "month": 365}[granularity]
        first = date_from or last - timedelta(days=default_days)
        if first > last:
            raise _bad_range("`from` is after `to`", "开始日期晚于结束日期")
        if (last - first).days + 1 > config.kpi_max_days:
            raise _bad_range(
                f"the range is longer than {config.kpi_max_days} days",
                f"日期范围超过 {config.kpi_max_days} 天",
            )
        filters = _filters(principal, department, channel, category, grade)
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
            department_scope=_scope(principal),
            points=points,
        )

    @router.get(
        "/problems",
        summary="The month's high-frequency problems: category × product (or subject), with the change",
        response_model=Problems,
        responses=ERRORS,
    )
    async def get_problems(
        principal: Reader,
        month: MonthQ = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Most problems listed.")] = 10,
        department: DepartmentQ = None,
        channel: ChannelQ = None,
        category: CategoryQ = None,
        grade: GradeQ = None,
    ) -> Problems:
        first = month_of(month)
        filters = _filters(principal, department, channel, category, grade)
        problems = await insights.problems(first, filters, limit)
        return Problems(
            month=first.strftime("%Y-%m"),
            department_scope=_scope(principal),
            items=[_problem_item(p) for p in problems],
        )

    @router.get(
        "/repeats",
        summary="The month's repeat complaints: the same product and category again, and reopened ones",
        response_model=Repeats,
        responses=ERRORS,
    )
    async def get_repeats(
        principal: Reader,
        month: MonthQ = None,
        department: DepartmentQ = None,
        channel: ChannelQ = None,
        category: CategoryQ = None,
        grade: GradeQ = None,
    ) -> Repeats:
        first = month_of(month)
        filters = _filters(principal, department, channel, category, grade)
        problems = await insights.problems(first, filters, None)
        reopened = await insights.reopened(first, filters)
        return Repeats(
            month=first.strftime("%Y-%m"),
            department_scope=_scope(principal),
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
                    last_reopened_at=_instant(row["last_reopened_at"], zone),
                )
                for row in reopened
            ],
            complainant_repeats=complainant_repeats(),
        )

    @router.get(
        "/calendar-warnings",
        summary="Open complaints whose deadlines were counted without a year's holidays (SLA calendar gap)",
        response_model=CalendarWarnings,
        responses=ERRORS,
    )
    async def get_calendar_warnings(principal: Reader) -> CalendarWarnings:
        rows = await insights.calendar_warnings(_filters(principal, None, None, None, None))
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
                    raised_at=_instant(row["occurred_at"], zone),
                )
            )
        years = sorted({year for item in items for year in item.years})
        message = _calendar_message(years, len(items)) if years else Label(zh_cn="", en="")
        return CalendarWarnings(years=years, message=message, items=items)

    @router.post(
        "/inspections/{week}/draw",
        summary="Draw the week's random quality-inspection sample (once per ISO week)",
        response_model=WeekSample,
        status_code=201,
        responses={
            **ERRORS,
            403: {"description": "Only operators, supervisors and admins draw samples."},
            409: {"description": "The week's sample was drawn already (`already_drawn`)."},
            422: {"description": "Not an ISO week, or the week is not over (`week_not_over`)."},
        },
    )
    async def post_draw(principal: Reporter, week: WeekP, body: DrawRequest | None = None) -> WeekSample:
        iso = _week(week)
        request = body or DrawRequest()
        seed = request.seed if request.seed is not None else new_seed()
        try:
            await inspections.draw(iso, seed, request.ratio or config.inspection_ratio, principal.actor)
        except InspectionRefused as refusal:
            raise _refused(refusal) from None
        state = await inspections.week(iso)
        holders = await insights.holders(state.drawn.complaint_nos if state.drawn else [])
        return _sample(state, holders, zone)

    @router.get(
        "/inspections/{week}",
        summary="A week's inspection sample: seed, population, the complaints drawn and their scores",
        response_model=WeekSample,
        responses={**ERRORS, 403: {"description": "Agents and channels do not read samples."}},
    )
    async def get_week(principal: Inspector, week: WeekP) -> WeekSample:
        state = await inspections.week(_week(week))
        holders = await insights.holders(state.drawn.complaint_nos if state.drawn else [])
        return _sample(state, holders, zone)

    @router.post(
        "/inspections/{week}/scores",
        summary="Score one sampled complaint on the form: attitude, timeliness, resolution, accuracy (0–25)",
        response_model=InspectionScore,
        status_code=201,
        responses={
            **ERRORS,
            403: {"description": "Only operators, supervisors and admins score."},
            404: {"description": "No sample drawn for the week (`not_drawn`)."},
            422: {"description": "The complaint is not in the week's sample (`not_in_sample`), or a field."},
        },
    )
    async def post_score(principal: Reporter, week: WeekP, body: ScoreRequest) -> InspectionScore:
        items = {name: getattr(body, name) for name in SCORE_ITEMS}
        try:
            scored = await inspections.score(
                _week(week), body.complaint_no, items, rules.pass_mark, principal.actor
            )
        except InspectionRefused as refusal:
            raise _refused(refusal) from None
        return InspectionScore(
            **scored.model_dump(include={*SCORE_ITEMS, "total", "passed", "pass_mark"}),
            scored_at=_instant(clock.now(), zone),
        )

    @router.get(
        "/inspections",
        summary="Inspection scores per department over the ISO weeks of a month",
        response_model=InspectionScores,
        responses=ERRORS,
    )
    async def get_inspection_scores(principal: Reader, month: MonthQ = None) -> InspectionScores:
        first = month_of(month)
        weeks = weeks_of_month(first.year, first.month)
        per: dict[str | None, list[Any]] = {}
        for state in await inspections.weeks(weeks):
            for score in state.scores.values():
                if principal.sees_department(score.department):
                    per.setdefault(score.department, []).append(score)
        departments = []
        for code, scores in per.items():
            n = len(scores)
            departments.append(
                DepartmentInspection(
                    department=code,
                    label=department_label(code),
                    scored=n,
                    failed=sum(1 for s in scores if s.total < rules.pass_mark),
                    average_total=round(sum(s.total for s in scores) / n, 2),
                    average_items={
                        item: round(sum(getattr(s, item) for s in scores) / n, 2) for item in SCORE_ITEMS
                    },
                )
            )
        departments.sort(key=lambda d: (d.average_total, d.department or ""))
        return InspectionScores(
            month=first.strftime("%Y-%m"), weeks=[str(w) for w in weeks], departments=departments
        )

    @router.get(
        "/scorecards",
        summary="Department scorecards of a month: deductions along the responsibility chain, ratings",
        response_model=Scorecards,
        responses=ERRORS,
    )
    async def get_scorecards(principal: Reader, month: MonthQ = None) -> Scorecards:
        first = month_of(month)
        scores = await department_scorecards(insights, inspections, rules, first)
        return Scorecards(
            month=first.strftime("%Y-%m"),
            full_marks=rules.full_marks,
            deductions={kind.value: points for kind, points in rules.deductions.items()},
            thresholds=[
                {"code": r.code, "min": r.min, "label": {"zh-CN": r.zh_cn, "en": r.en}} for r in rules.ratings
            ],
            departments=[_scorecard(s, rules) for s in scores if principal.sees_department(s.department)],
        )

    return router
