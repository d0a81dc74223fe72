"""HTTP API of the staff scorecards (员工考核).

Who sees whose: operators, supervisors and admins everybody's; everyone else their own. A
department head (role ``department_head``) also sees the people of their department — agents
whose token is in it and whoever handled a complaint there — but nobody the department's chain
names (its heads and superiors: not upwards). An agent the scorecard file's ``chains`` names as a
``direct_superior`` or ``next_superior`` sees the people below them in that chain, the head
included. The chain's ``department_head`` entry names the head's subject, so their own card
carries the charges; it grants an agent token nothing. Auditors and channels get 403; a person
the caller may not see is 404, like one with no scorecard at all, so the answer does not tell
who exists.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from services.analytics.bounds import MonthQ, month_of
from services.analytics.complaints.models import Label
from services.analytics.complaints.views import department_label, instant
from services.analytics.dependencies import Insights, InspectionWeeks, Scorecard, Zone
from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.store import Inspections
from services.analytics.reports.monthly import ReportStaff, StaffSource
from services.analytics.scorecards.api import INCIDENT_LABELS, LINK_LABELS, condition_label, month_incidents
from services.analytics.scorecards.models import (
    StaffCharge,
    StaffScorecard,
    StaffScorecardDetail,
    StaffScorecards,
)
from services.analytics.scorecards.rules import Incident, Link, ScorecardRules
from services.analytics.scorecards.staff import Charge, StaffScore, score_staff
from shared.events import Role
from shared.service.auth import Principal, TokenRegistry, require
from shared.service.dependencies import CurrentClock
from shared.service.error_responses import error_responses

StaffReader = Annotated[Principal, require(Role.AGENT, Role.DEPARTMENT_HEAD, Role.SUPERVISOR, Role.OPERATOR)]
SEE_EVERYONE = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
STAFF = frozenset({Role.AGENT, Role.DEPARTMENT_HEAD})
"""The roles whose holders have a staff scorecard even in a month without charges."""


def people_by_subject(registry: TokenRegistry) -> dict[str, list[Principal]]:
    """The tokens file's people by subject (a person may hold several tokens)."""
    found: dict[str, list[Principal]] = {}
    for principal in registry.people:
        found.setdefault(principal.subject, []).append(principal)
    return found


def people_on_file(request: Request) -> dict[str, list[Principal]]:
    return people_by_subject(request.app.state.tokens)


People = Annotated[dict[str, list[Principal]], Depends(people_on_file)]


def heads_above(rules: ScorecardRules, person: str, department: str | None) -> set[str]:
    """Who stands above ``person`` in ``department``'s chain: everybody named when they are a
    handler there, only the links above theirs when they are named in it."""
    chain = list(rules.chain_of(department).values())
    start = chain.index(person) + 1 if person in chain else 0
    return {head for head in chain[start:] if head}


def superiors_above(rules: ScorecardRules, person: str, department: str | None) -> set[str]:
    """The superiors (not the head) above ``person`` in ``department``'s chain."""
    return heads_above(rules, person, department) - {rules.chain_of(department).get(Link.DEPARTMENT_HEAD)}


def of_department(rules: ScorecardRules, card: StaffScore, on_file: list[Principal], department: str) -> bool:
    """Whether the person works in ``department`` below its chain: a token of it or a complaint
    handled there, and not named in its chain."""
    member = any(p.department == department for p in on_file) or any(
        c.link is Link.RESPONSIBLE and c.incident.department == department for c in card.charges
    )
    return member and card.person not in rules.chain_of(department).values()


def may_see(principal: Principal, card: StaffScore, rules: ScorecardRules, on_file: list[Principal]) -> bool:
    if principal.role in SEE_EVERYONE:
        return True
    if principal.role not in STAFF:
        return False
    if principal.subject == card.person:
        return True
    if principal.role is Role.DEPARTMENT_HEAD:
        return of_department(rules, card, on_file, principal.department or "")
    departments = {p.department for p in on_file if p.department} | set(card.departments)
    return any(principal.subject in superiors_above(rules, card.person, d) for d in departments)


def unheaded_chains(rules: ScorecardRules, registry: TokenRegistry) -> list[str]:
    """The departments whose chain names a head who holds no ``department_head`` token of it:
    that person bears the head's deductions but would not see the department's people."""
    return sorted(
        department
        for department, chain in rules.chains.items()
        if chain.department_head
        and chain.department_head
        not in {p.subject for p in registry.holders(Role.DEPARTMENT_HEAD, department)}
    )


async def staff_scores(
    insights: InsightsReadModel,
    inspections: Inspections,
    rules: ScorecardRules,
    month: date,
    people: dict[str, list[Principal]],
) -> list[StaffScore]:
    """The month's staff scorecards: everyone charged, and every agent and department head on
    file at full marks."""
    incidents = await month_incidents(insights, inspections, rules, month)
    staff = [s for s, entries in people.items() if any(p.role in STAFF for p in entries)]
    return score_staff(rules, incidents, staff)


def display_name(person: str, people: dict[str, list[Principal]]) -> str | None:
    return next((p.name for p in people.get(person, []) if p.name), None)


def report_staff(
    insights: InsightsReadModel, inspections: Inspections, rules: ScorecardRules, registry: TokenRegistry
) -> StaffSource:
    """The operators' monthly report's staff scorecards: the same computation as the API."""

    async def source(month: date) -> list[ReportStaff]:
        people = people_by_subject(registry)
        return [
            ReportStaff(
                person=s.person,
                name=display_name(s.person, people) or s.person,
                score=s.score,
                deducted=s.deducted,
                rating=s.rating.code,
                rating_zh=s.rating.zh_cn,
                rating_en=s.rating.en,
                disqualified_by_zh=[condition_label(d).zh_cn for d in s.disqualified_by],
                disqualified_by_en=[condition_label(d).en for d in s.disqualified_by],
                charges=len(s.charges),
            )
            for s in await staff_scores(insights, inspections, rules, month, people)
        ]

    return source


def _card(score: StaffScore, people: dict[str, list[Principal]]) -> StaffScorecard:
    return StaffScorecard(
        person=score.person,
        name=display_name(score.person, people),
        departments=[department_label(d) for d in score.departments],
        score=score.score,
        deducted=score.deducted,
        rating=score.rating.code,
        rating_label=Label(zh_cn=score.rating.zh_cn, en=score.rating.en),
        disqualified=bool(score.disqualified_by),
        disqualified_by=[condition_label(d) for d in score.disqualified_by],
        handled={kind.value: n for kind, n in score.handled.items()},
        charges=len(score.charges),
    )


def _charge(charge: Charge, zone: ZoneInfo) -> StaffCharge:
    record = charge.incident
    return StaffCharge(
        complaint_no=record.complaint_no,
        incident=record.kind.value,
        incident_label=INCIDENT_LABELS[record.kind],
        link=charge.link.value,
        link_label=LINK_LABELS[charge.link],
        department=record.department,
        department_label=department_label(record.department),
        points=charge.points,
        at=instant(record.at, zone) if record.at is not None else None,
    )


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])

ERRORS = error_responses(
    described={403: "Only agents, department heads, supervisors, operators and admins read staff scorecards."}
)

NOT_FOUND = {
    "error": "person_not_found",
    "message": "no staff scorecard of this person that you may see",
    "message_zh": "没有您可查看的该员工考核。",
}


@router.get(
    "/scorecards/staff",
    summary="Staff scorecards of a month: each person's deductions along the responsibility chain",
    response_model=StaffScorecards,
    responses=ERRORS,
)
async def get_staff_scorecards(
    principal: StaffReader,
    insights: Insights,
    inspections: InspectionWeeks,
    rules: Scorecard,
    people: People,
    clock: CurrentClock,
    zone: Zone,
    month: MonthQ = None,
) -> StaffScorecards:
    first = month_of(month, clock, zone)
    scores = await staff_scores(insights, inspections, rules, first, people)
    return StaffScorecards(
        month=first.strftime("%Y-%m"),
        full_marks=rules.full_marks,
        deductions={kind.value: rules.person_points(kind, Link.RESPONSIBLE) for kind in Incident},
        shares={link.value: share for link, share in rules.chain_shares.items()},
        thresholds=[
            {"code": r.code, "min": r.min, "label": {"zh-CN": r.zh_cn, "en": r.en}}
            for r in rules.staff_ratings
        ],
        people=[_card(s, people) for s in scores if may_see(principal, s, rules, people.get(s.person, []))],
    )


@router.get(
    "/scorecards/staff/{person}",
    summary="One person's staff scorecard with the complaints behind each deduction",
    response_model=StaffScorecardDetail,
    responses={
        **ERRORS,
        **error_responses(described={404: "No scorecard of this person the caller may see."}),
    },
)
async def get_staff_scorecard(
    principal: StaffReader,
    insights: Insights,
    inspections: InspectionWeeks,
    rules: Scorecard,
    people: People,
    clock: CurrentClock,
    zone: Zone,
    person: Annotated[str, Path(min_length=1, max_length=200, description="The person's user id.")],
    month: MonthQ = None,
) -> StaffScorecardDetail:
    first = month_of(month, clock, zone)
    scores = await staff_scores(insights, inspections, rules, first, people)
    found = next((s for s in scores if s.person == person), None)
    if found is None or not may_see(principal, found, rules, people.get(person, [])):
        raise HTTPException(404, detail=NOT_FOUND)
    return StaffScorecardDetail(
        **_card(found, people).model_dump(), incidents=[_charge(c, zone) for c in found.charges]
    )
