"""HTTP API of the weekly quality inspection: draw a week's sample, read it, score it on the
form, and the scores per department.

Drawing and scoring is for operators and supervisors (and admins); reading a week's sample for
them and auditors; the scores per department for every reader (agents: their own department).

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path

from services.analytics.bounds import MonthQ, month_of
from services.analytics.complaints.views import department_label, instant
from services.analytics.dependencies import Config, Insights, InspectionWeeks, Scorecard, Zone
from services.analytics.filters import ERRORS, Reader, Reporter
from services.analytics.inspection.events import SCORE_ITEMS
from services.analytics.inspection.models import (
    DepartmentInspection,
    DrawRequest,
    InspectionScore,
    InspectionScores,
    SampledComplaint,
    ScoreRequest,
    WeekSample,
)
from services.analytics.inspection.sample import InvalidWeek, IsoWeek, new_seed, weeks_of_month
from services.analytics.inspection.store import InspectionRefused, WeekInspection
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.dependencies import CurrentClock

Inspector = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR)]
WeekP = Annotated[str, Path(max_length=10, description="ISO week, e.g. 2026-W47.")]


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
                    scored_at=instant(state.scored_at[no], zone),
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
        drawn_at=instant(event.occurred_at, zone) if event else None,
        drawn_by=event.actor.id if event else None,
        items=items,
    )


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.post(
    "/inspections/{week}/draw",
    summary="Draw the week's random quality-inspection sample (once per ISO week)",
    response_model=WeekSample,
    status_code=201,
    responses={
        **ERRORS,
        403: {"description": "Only operators, supervisors and admins draw samples."},
        409: {"description": "The week's sample was drawn already (`already_drawn`)."},
        422: {
            "description": "Not an ISO week, the week is not over (`week_not_over`), or no complaint "
            "was closed in it (`nothing_closed`: nothing is recorded, so it can be drawn later)."
        },
    },
)
async def post_draw(
    principal: Reporter,
    week: WeekP,
    insights: Insights,
    inspections: InspectionWeeks,
    config: Config,
    zone: Zone,
    body: DrawRequest | None = None,
) -> WeekSample:
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
async def get_week(
    principal: Inspector, week: WeekP, insights: Insights, inspections: InspectionWeeks, zone: Zone
) -> WeekSample:
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
async def post_score(
    principal: Reporter,
    week: WeekP,
    body: ScoreRequest,
    inspections: InspectionWeeks,
    rules: Scorecard,
    clock: CurrentClock,
    zone: Zone,
) -> InspectionScore:
    items = {name: getattr(body, name) for name in SCORE_ITEMS}
    try:
        scored = await inspections.score(
            _week(week), body.complaint_no, items, rules.pass_mark, principal.actor
        )
    except InspectionRefused as refusal:
        raise _refused(refusal) from None
    return InspectionScore(
        **scored.model_dump(include={*SCORE_ITEMS, "total", "passed", "pass_mark"}),
        scored_at=instant(clock.now(), zone),
    )


@router.get(
    "/inspections",
    summary="Inspection scores per department over the ISO weeks of a month",
    response_model=InspectionScores,
    responses=ERRORS,
)
async def get_inspection_scores(
    principal: Reader,
    inspections: InspectionWeeks,
    rules: Scorecard,
    clock: CurrentClock,
    zone: Zone,
    month: MonthQ = None,
) -> InspectionScores:
    first = month_of(month, clock, zone)
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
