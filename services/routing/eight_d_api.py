"""The 8D API of a severe complaint (8D 报告), next to the department's other work on it:

POST /v1/complaints/{no}/8d                            quality engineers, supervisors: open a case by
                                                       hand (a severe complaint opens its own)
POST /v1/complaints/{no}/8d/disciplines/{D1..D8}       the responsible department's agents, quality
                                                       engineers, supervisors: record a discipline
GET  /v1/complaints/{no}/8d                            the same: the case as it stands

(admins may do everything). The writes answer with the complaint's new stream version, as every
command does; an agent asking about another department's complaint gets 404. The case is read
from the complaint's stream, so it is current the moment a write answers. docs/8d.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.routing.eight_d_schemas import (
    DisciplineRequest,
    DisciplineView,
    EightDCaseView,
    OpenEightDRequest,
    TeamMemberView,
)
from shared.complaints.events import COMPLAINT_EVENTS
from shared.complaints.stages.eight_d import (
    EightDCaseClosed,
    EightDCaseOpened,
    EightDDisciplineRecorded,
    OpenEightDCase,
    RecordEightDDiscipline,
    awaits_only_d8,
)
from shared.complaints.values import Discipline, Lang, label
from shared.events import Role
from shared.eventstore.complaint_handling import load
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    not_found,
    run_command,
)
from shared.service.dependencies import CurrentClock
from shared.service.error_responses import error_responses

RECORDERS = require(Role.AGENT, Role.QUALITY_ENGINEER, Role.SUPERVISOR)
OPENERS = require(Role.QUALITY_ENGINEER, Role.SUPERVISOR)
READERS = require(Role.AGENT, Role.QUALITY_ENGINEER, Role.SUPERVISOR)
"""Who reads a case with what people typed in it: not operators, who run the system."""

router = APIRouter(prefix="/v1", tags=["8d"])


@router.post(
    "/complaints/{complaint_no}/8d",
    response_model=CommandResult,
    responses=error_responses(
        described={
            403: "Only quality engineers and supervisors open an 8D case by hand.",
            404: "No such complaint.",
            409: "An 8D case is already open (eight_d_open), or the complaint has ended.",
        },
        models={409: CommandRefused},
    ),
    summary="Open an 8D case by hand (人工启动 8D)",
    description="A complaint received or regraded severe opens its case itself; this opens one "
    "for any other open complaint. Its clocks (containment, permanent countermeasure, closure) "
    "start now.",
)
async def open_eight_d(
    complaint_no: ComplaintNoPath,
    body: OpenEightDRequest,
    principal: Annotated[Principal, OPENERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = OpenEightDCase(actor=principal.actor, at=clock.now(), reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/8d/disciplines/{discipline}",
    response_model=CommandResult,
    responses=error_responses(
        described={
            403: "The caller's role may not record 8D disciplines.",
            404: "No such complaint, or another department's (agents).",
            409: "No open 8D case (no_eight_d_case), the case is closed (eight_d_closed), D1 "
            "without a quality engineer (eight_d_no_quality_engineer), D8 before D1..D7 "
            "(eight_d_incomplete), or the complaint has ended.",
        },
        models={409: CommandRefused},
    ),
    summary="Record one 8D discipline (登记 8D 步骤)",
    description="Recording a discipline again replaces it (the latest counts; the history stays "
    "on the stream). D8 closes the case; when the complainant has already confirmed the "
    "solution at the revisit, it closes the complaint too.",
)
async def record_discipline(
    complaint_no: ComplaintNoPath,
    discipline: Annotated[Discipline, Path(description="D1 .. D8.")],
    body: DisciplineRequest,
    principal: Annotated[Principal, RECORDERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    if (discipline is Discipline.D1) != bool(body.team):
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "team"),
                    "type": "d1_team",
                    "msg": "D1 names the team (with a quality engineer); the other disciplines name none",
                }
            ]
        )
    command = RecordEightDDiscipline.model_validate(
        {
            "actor": principal.actor,
            "at": clock.now(),
            "discipline": discipline,
            "content": body.content,
            "team": body.team,
            "attachments": body.attachments,
        }
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.get(
    "/complaints/{complaint_no}/8d",
    response_model=EightDCaseView,
    responses=error_responses(
        described={
            403: "The caller's role may not read 8D cases.",
            404: "No such complaint, another department's (agents), or it never had an 8D case.",
        }
    ),
    summary="A complaint's 8D case as it stands (8D 进展)",
)
async def read_eight_d(
    complaint_no: ComplaintNoPath,
    principal: Annotated[Principal, READERS],
    uow: CommandUnitOfWork,
    lang: Annotated[Lang, Query(description="Language of the labels: zh-CN or en.")] = "zh-CN",
) -> EightDCaseView:
    state, records = await load(uow.store, complaint_no)
    if not state.exists or not principal.sees_department(state.department):
        raise not_found(complaint_no)
    case = state.eight_d
    if case is None:
        raise HTTPException(
            404,
            detail={
                "error": "no_eight_d_case",
                "message": f"complaint {complaint_no} has no 8D case",
                "message_zh": f"投诉 {complaint_no} 没有 8D",
            },
        )
    opened: EightDCaseOpened | None = None
    opened_at, closed_at = case.opened_at, None
    latest: dict[Discipline, DisciplineView] = {}
    for record in records:
        if record.type not in {"EightDCaseOpened", "EightDDisciplineRecorded", "EightDCaseClosed"}:
            continue
        event = COMPLAINT_EVENTS.decode(record)
        if isinstance(event, EightDCaseOpened) and event.case == case.number:
            opened, opened_at = event, record.occurred_at
        elif isinstance(event, EightDDisciplineRecorded) and event.case == case.number:
            before = latest.get(event.discipline)
            latest[event.discipline] = _view(event, record.occurred_at, record.actor.id, before, lang)
        elif isinstance(event, EightDCaseClosed) and event.case == case.number:
            closed_at = record.occurred_at
    assert opened is not None and opened_at is not None
    return EightDCaseView(
        complaint_no=complaint_no,
        case=case.number,
        cause=opened.cause,
        cause_label=label(opened.cause, lang),
        opened_at=opened_at,
        department=state.department,
        closed=case.closed,
        closed_at=closed_at,
        complaint_final=state.is_final,
        awaiting_d8=awaits_only_d8(state),
        missing=case.missing(),
        disciplines=[
            latest.get(d) or DisciplineView(discipline=d, label=label(d, lang), recorded=False)
            for d in Discipline
        ],
    )


def _view(
    event: EightDDisciplineRecorded,
    at: datetime,
    by: str,
    before: DisciplineView | None,
    lang: Lang,
) -> DisciplineView:
    return DisciplineView.model_validate(
        {
            "discipline": event.discipline,
            "label": label(event.discipline, lang),
            "recorded": True,
            "content": event.content,
            "team": [
                TeamMemberView(name=m.name, role=m.role, role_label=label(m.role, lang), subject=m.subject)
                for m in event.team
            ],
            "attachments": event.attachments,
            "recorded_at": at,
            "recorded_by": by,
            "times_recorded": (before.times_recorded if before else 0) + 1,
        }
    )
