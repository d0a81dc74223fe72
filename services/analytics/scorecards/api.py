"""HTTP API of the department scorecards, and the scorecards of the monthly report.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from datetime import date

from fastapi import APIRouter

from services.analytics.bounds import MonthQ, month_of
from services.analytics.complaints.models import Label
from services.analytics.complaints.views import department_label
from services.analytics.dependencies import Insights, InspectionWeeks, Scorecard, Zone
from services.analytics.filters import ERRORS, Reader
from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.sample import weeks_of_month
from services.analytics.inspection.store import Inspections
from services.analytics.reports.monthly import ReportScorecard, ScorecardSource
from services.analytics.scorecards.models import ChainLink, DepartmentScorecard, Scorecards
from services.analytics.scorecards.rules import (
    DepartmentScore,
    Disqualifier,
    Incident,
    IncidentRecord,
    Link,
    ScorecardRules,
    score_departments,
)
from shared.service.dependencies import CurrentClock

LINK_LABELS = {
    Link.RESPONSIBLE: Label(zh_cn="责任人", en="Responsible person"),
    Link.DEPARTMENT_HEAD: Label(zh_cn="部门负责人", en="Department head"),
    Link.DIRECT_SUPERIOR: Label(zh_cn="直接上级", en="Direct superior"),
    Link.NEXT_SUPERIOR: Label(zh_cn="上一级领导", en="Next superior"),
}

INCIDENT_LABELS = {
    Incident.BREACH: Label(zh_cn="超时", en="Time limit breached"),
    Incident.REOPEN: Label(zh_cn="重新处理", en="Reopened"),
    Incident.DISSATISFIED: Label(zh_cn="回访不满意", en="Dissatisfied at the revisit"),
    Incident.FAILED_INSPECTION: Label(zh_cn="质检不合格", en="Failed inspection"),
}


def condition_label(condition: Disqualifier) -> Label:
    """A disqualifying condition for people: '质检不合格 ≥ 2 次' / 'Failed inspection ≥ 2'."""
    name = INCIDENT_LABELS[condition.incident]
    n = condition.at_least
    return Label(zh_cn=f"{name.zh_cn} ≥ {n} 次", en=f"{name.en} ≥ {n}")


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


async def month_incidents(
    insights: InsightsReadModel, inspections: Inspections, rules: ScorecardRules, month: date
) -> list[IncidentRecord]:
    """The month's incidents: from the read model, plus the failed inspections of the month's ISO
    weeks (the latest score of each sampled complaint)."""
    incidents = await insights.incidents(month)
    for state in await inspections.weeks(weeks_of_month(month.year, month.month)):
        for no, score in state.scores.items():
            if score.total < rules.pass_mark:
                incidents.append(
                    IncidentRecord(Incident.FAILED_INSPECTION, no, score.department, score.agent)
                )
    return incidents


async def department_scorecards(
    insights: InsightsReadModel, inspections: Inspections, rules: ScorecardRules, month: date
) -> list[DepartmentScore]:
    """The month's department scorecards (:func:`month_incidents`)."""
    incidents = await month_incidents(insights, inspections, rules, month)
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
                    disqualified_by=[
                        f"{condition_label(d).zh_cn} {condition_label(d).en}" for d in score.disqualified_by
                    ],
                    incidents={kind.value: n for kind, n in score.incidents.items()},
                )
            )
        return cards

    return source


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/scorecards",
    summary="Department scorecards of a month: deductions along the responsibility chain, ratings",
    response_model=Scorecards,
    responses=ERRORS,
)
async def get_scorecards(
    principal: Reader,
    insights: Insights,
    inspections: InspectionWeeks,
    rules: Scorecard,
    clock: CurrentClock,
    zone: Zone,
    month: MonthQ = None,
) -> Scorecards:
    first = month_of(month, clock, zone)
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
