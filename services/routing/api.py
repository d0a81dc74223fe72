"""The department API: each department's assignments, and its work on a complaint.

GET  /v1/departments/{dept}/assignments      agents (own department only), supervisors, operators
POST /v1/complaints/{no}/accept | progress | resolve | transfer   agents of the owning department,
                                                                   supervisors
POST /v1/complaints/{no}/beyond-authority     the same: report to the director (超出权限上报)
POST /v1/complaints/{no}/director-instruction the director (总监批示)
POST /v1/complaints/{no}/objection            agents of the owning department: object to the
                                              assignment by the end of its working day (派单异议)
POST /v1/complaints/{no}/objection/decision   supervisors: uphold (another department, named or by
                                              the rules) or reject the objection (异议裁定)
(admins may do everything). Every write answers with the complaint's new stream version. An
agent asking about another department's complaint or list gets 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.routing.queries import department_assignments
from services.routing.rules import DEPARTMENT_CODE, RuleTable
from services.routing.schemas import (
    AcceptRequest,
    Assignment,
    AssignmentPage,
    BeyondAuthorityRequest,
    DirectorInstructionRequest,
    ObjectionDecisionRequest,
    ObjectionRequest,
    ProgressRequest,
    ResolveRequest,
    TransferRequest,
)
from shared.calendar.business import BusinessCalendar
from shared.complaints.commands import (
    AcceptComplaint,
    RecordProgress,
    ResolveComplaint,
    TransferComplaint,
)
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintReceived
from shared.complaints.stages.beyond_authority import RecordDirectorInstruction, ReportBeyondAuthority
from shared.complaints.stages.objection import MANUAL, DecideObjection, ObjectToAssignment
from shared.complaints.values import OPEN_STATUSES, Category, Channel, Grade, Lang, Status, label
from shared.events import Role
from shared.eventstore.complaint_handling import load
from shared.eventstore.unit_of_work import UnitOfWork
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    run_command,
)
from shared.service.dependencies import CurrentClock, CurrentRuntime, state_dependency
from shared.service.error_responses import error_responses

READERS = require(Role.AGENT, Role.SUPERVISOR, Role.OPERATOR)
WORKERS = require(Role.AGENT, Role.SUPERVISOR)
DIRECTORS = require(Role.DIRECTOR)
DEPARTMENT_AGENTS = require(Role.AGENT)
SUPERVISORS = require(Role.SUPERVISOR)

DEFAULT_STATUSES = sorted(OPEN_STATUSES - {Status.RECEIVED})
"""A department's work list by default: everything it owns that is not final."""

COMMAND_RESPONSES = error_responses(
    described={
        403: "The caller's role may not work on complaints.",
        404: "No such complaint, or another department's (for agents).",
        409: "Not allowed in the complaint's current state.",
    },
    models={409: CommandRefused},
)


Rules = Annotated[RuleTable, Depends(state_dependency("rules"))]
"""The routing rule table the service started with (``app.state.rules``): its departments."""

Calendar = Annotated[BusinessCalendar, Depends(state_dependency("calendar"))]
"""The organisation's business calendar (``app.state.calendar``): when a working day ends."""

router = APIRouter(prefix="/v1", tags=["departments"])


def _not_found_department(department: str) -> HTTPException:
    return HTTPException(404, detail={"error": "not_found", "message": f"no department {department}"})


@router.get(
    "/departments/{department}/assignments",
    response_model=AssignmentPage,
    summary="A department's assignments (派单列表), newest first",
    responses=error_responses(
        described={
            403: "The caller's role may not read assignments.",
            404: "Unknown department, or another department's (agents).",
        }
    ),
)
async def list_assignments(
    principal: Annotated[Principal, READERS],
    department: Annotated[str, Path(pattern=DEPARTMENT_CODE, description="The department's code.")],
    runtime: CurrentRuntime,
    rules: Rules,
    status: Annotated[
        list[Status] | None,
        Query(description="Only these statuses (repeat the parameter); default: every open status."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
    lang: Annotated[Lang, Query(description="Language of the labels: zh-CN or en.")] = "zh-CN",
) -> AssignmentPage:
    if not rules.knows(department) or not principal.sees_department(department):
        raise _not_found_department(department)
    statuses = sorted(set(status)) if status else DEFAULT_STATUSES
    async with runtime.engine.connect() as conn:
        total, rows = await department_assignments(conn, department, statuses, page, page_size)
    return AssignmentPage(
        department=department,
        department_label=rules.label(department, lang),
        statuses=statuses,
        page=page,
        page_size=page_size,
        total=total,
        items=[_item(row, lang) for row in rows],
    )


@router.post(
    "/complaints/{complaint_no}/accept",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Sign for a complaint (签收)",
)
async def accept(
    complaint_no: ComplaintNoPath,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    body: AcceptRequest | None = None,
) -> JSONResponse:
    command = AcceptComplaint(actor=principal.actor, at=clock.now())
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/progress",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Record progress (登记进展)",
)
async def progress(
    complaint_no: ComplaintNoPath,
    body: ProgressRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = RecordProgress(actor=principal.actor, at=clock.now(), note=body.note, kind=body.kind)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/resolve",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Reply with the result (答复)",
)
async def resolve(
    complaint_no: ComplaintNoPath,
    body: ResolveRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = ResolveComplaint(
        actor=principal.actor,
        at=clock.now(),
        resolution=body.resolution,
        root_cause=body.root_cause,
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/transfer",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Hand over to another department (转派)",
)
async def transfer(
    complaint_no: ComplaintNoPath,
    body: TransferRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    rules: Rules,
) -> JSONResponse:
    _require_known(rules, body.to_department)
    command = TransferComplaint(
        actor=principal.actor,
        at=clock.now(),
        to_department=body.to_department,
        reason=body.reason,
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/beyond-authority",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Report a matter beyond the handler's authority to the director (超出权限上报)",
    description="Starts the director's clock (SLA stage director_report, 24 h by default); "
    "refused (409) while an earlier report still waits for the director.",
)
async def report_beyond_authority(
    complaint_no: ComplaintNoPath,
    body: BeyondAuthorityRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = ReportBeyondAuthority(actor=principal.actor, at=clock.now(), reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/director-instruction",
    response_model=CommandResult,
    responses=error_responses(
        described={
            403: "Only the director records an instruction.",
            404: "No such complaint.",
            409: "Nothing of this complaint waits for the director.",
        },
        models={409: CommandRefused},
    ),
    summary="Record the director's instruction on a reported matter (总监批示)",
    description="Stops the director's clock.",
)
async def record_director_instruction(
    complaint_no: ComplaintNoPath,
    body: DirectorInstructionRequest,
    principal: Annotated[Principal, DIRECTORS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = RecordDirectorInstruction(actor=principal.actor, at=clock.now(), instruction=body.instruction)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/objection",
    response_model=CommandResult,
    responses=error_responses(
        described={
            403: "Only an agent of the responsible department objects.",
            404: "No such complaint, or another department's.",
            409: "Too late (the working day of the assignment is over: objection_too_late), an "
            "objection already waits for a decision, or the department has started working on it.",
        },
        models={409: CommandRefused},
    ),
    summary="Object to the assignment (派单异议)",
    description="Allowed until the end of the working day the department was given the complaint, "
    "on the business calendar (assigned outside working hours: the next working day's end). A "
    "supervisor decides; the department's clocks keep running meanwhile.",
)
async def object_to_assignment(
    complaint_no: ComplaintNoPath,
    body: ObjectionRequest,
    principal: Annotated[Principal, DEPARTMENT_AGENTS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    calendar: Calendar,
) -> JSONResponse:
    now = clock.now()
    window_from, window_until = calendar.working_day_bounds(now)
    command = ObjectToAssignment(
        actor=principal.actor,
        at=now,
        reason=body.reason,
        window_from=window_from,
        window_until=window_until,
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/objection/decision",
    response_model=CommandResult,
    responses=error_responses(
        described={
            403: "Only a supervisor decides an objection.",
            404: "No such complaint.",
            409: "No objection waits for a decision, no rule names another department "
            "(no_other_department), the named department is the objecting one, or (upheld) the "
            "complaint was already answered.",
        },
        models={409: CommandRefused},
    ),
    summary="Decide a department's objection to its assignment (异议裁定)",
    description="Upheld: the complaint is transferred (转派) to to_department, or to the department "
    "the routing rules give other than the objecting one, and the time limits follow it. "
    "Rejected: the objecting department keeps it.",
)
async def decide_objection(
    complaint_no: ComplaintNoPath,
    body: ObjectionDecisionRequest,
    principal: Annotated[Principal, SUPERVISORS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    rules: Rules,
) -> JSONResponse:
    to_department, rule = (body.to_department, MANUAL) if body.uphold else (None, MANUAL)
    if to_department is not None:
        _require_known(rules, to_department)
    elif body.uphold:
        to_department, rule = await _by_rule(uow, complaint_no, rules)
    command = DecideObjection(
        actor=principal.actor,
        at=clock.now(),
        uphold=body.uphold,
        reason=body.reason,
        to_department=to_department,
        rule=rule,
    )
    return await run_command(uow, clock, principal, complaint_no, command)


async def _by_rule(uow: UnitOfWork, complaint_no: str, rules: RuleTable) -> tuple[str | None, str]:
    """The department the rules give the complaint other than its current one; (None, manual)
    when none does (or the complaint is unknown): the decision then refuses, or 404."""
    state, records = await load(uow.store, complaint_no)
    received = next((r for r in records if r.type == "ComplaintReceived"), None)
    if received is None or state.department is None:
        return None, MANUAL
    complaint = COMPLAINT_EVENTS.decode(received)
    assert isinstance(complaint, ComplaintReceived)
    decision = rules.route_elsewhere(complaint, avoid=state.department)
    return (decision.department, decision.rule) if decision else (None, MANUAL)


def _require_known(rules: RuleTable, department: str) -> None:
    if not rules.knows(department):
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "to_department"),
                    "type": "unknown_department",
                    "msg": f"unknown department; known: {', '.join(sorted(rules.departments))}",
                }
            ]
        )


def _item(row: dict[str, Any], lang: Lang) -> Assignment:
    status, category = Status(row["status"]), Category(row["category"])
    grade, channel = Grade(row["grade"]), Channel(row["channel"])
    return Assignment(
        complaint_no=row["complaint_no"],
        status=status,
        status_label=label(status, lang),
        category=category,
        category_label=label(category, lang),
        grade=grade,
        grade_label=label(grade, lang),
        channel=channel,
        channel_label=label(channel, lang),
        complainant_kind=row["complainant_kind"],
        subject=row["subject"],
        agent=row["agent"],
        assigned_at=row["assigned_at"],
        escalated=row["escalation_level"] > 0,
        escalation_level=row["escalation_level"],
        reopened=row["reopened"],
        reopen_count=row["reopen_count"],
        stream_version=row["stream_version"],
    )
