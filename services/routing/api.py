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

import json
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
    ContributionRequest,
    CooperationAcceptRequest,
    CooperationItem,
    CooperationRequest,
    CooperationView,
    CooperationWithdrawalRequest,
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
from shared.complaints.stages.cooperation import (
    AcceptCooperation,
    ContributionRecorded,
    Cooperation,
    RecordContribution,
    RequestCooperation,
    WithdrawCooperation,
)
from shared.complaints.stages.objection import MANUAL, DecideObjection, ObjectToAssignment
from shared.complaints.state import ComplaintState
from shared.complaints.values import (
    OPEN_STATUSES,
    Category,
    Channel,
    CooperationStatus,
    Grade,
    Lang,
    Status,
    label,
)
from shared.events import RecordedEvent, Role
from shared.eventstore.complaint_handling import load
from shared.eventstore.unit_of_work import UnitOfWork
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    not_found,
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
        items=[_item(row, department, lang) for row in rows],
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
    description="Refused (409 contributions_missing) while a co-operating department (协同部门) owes "
    "its contribution, unless a supervisor gives override_reason: the missing ones are then waived "
    "(ContributionsWaived) and the complaint is resolved.",
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
        override_reason=body.override_reason,
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


def _require_known(rules: RuleTable, department: str, field: str = "to_department") -> None:
    if not rules.knows(department):
        raise RequestValidationError(
            [
                {
                    "loc": ("body", field),
                    "type": "unknown_department",
                    "msg": f"unknown department; known: {', '.join(sorted(rules.departments))}",
                }
            ]
        )


def _cooperation_items(row: dict[str, Any], department: str, lang: Lang) -> tuple[str, list[CooperationItem]]:
    """The department's part in the complaint, and the co-operations it may see: all of them for
    the lead, its own for a co-operating department."""
    raw = row["cooperations"]
    records = json.loads(raw) if isinstance(raw, str | bytes) else list(raw or [])
    role = "lead" if row["department"] == department else "cooperating"
    shown = records if role == "lead" else [r for r in records if r["department"] == department]
    return role, [cooperation_item(r, lang) for r in shown]


def cooperation_item(record: dict[str, Any], lang: Lang, contribution: str | None = None) -> CooperationItem:
    status = CooperationStatus(record["status"])
    return CooperationItem(
        department=record["department"],
        department_label=label(record["department"], lang),
        status=status,
        status_label=label(status, lang),
        requested_at=record.get("requested_at"),
        agent=record.get("agent"),
        accepted_at=record.get("accepted_at"),
        contributed_at=record.get("contributed_at"),
        contribution=contribution,
    )


def _item(row: dict[str, Any], department: str, lang: Lang) -> Assignment:
    status, category = Status(row["status"]), Category(row["category"])
    role, cooperations = _cooperation_items(row, department, lang)
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
        role=role,
        lead_department=row["department"],
        cooperations=cooperations,
    )


# -- co-operation (协同) ------------------------------------------------------------------------


@router.post(
    "/complaints/{complaint_no}/cooperation",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Ask other departments to co-operate (发起协同)",
    description="The lead department's agents or a supervisor. Each department gets a "
    "CooperationRequested, published on the assignments topic keyed by its own code, and its own "
    "clocks (sign-for, contribution). 409: cooperation_with_itself (the lead), already_cooperating.",
)
async def request_cooperation(
    complaint_no: ComplaintNoPath,
    body: CooperationRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    rules: Rules,
) -> JSONResponse:
    for department in body.departments:
        _require_known(rules, department, "departments")
    command = RequestCooperation(
        actor=principal.actor, at=clock.now(), departments=body.departments, note=body.note
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/cooperation/accept",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Sign for a co-operation request (协同签收)",
    description="An agent of the co-operating department (for its own department), or a supervisor "
    "naming it. 409: not_cooperating, cooperation_already_accepted.",
)
async def accept_cooperation(
    complaint_no: ComplaintNoPath,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    body: CooperationAcceptRequest | None = None,
) -> JSONResponse:
    department = body.department if body else None
    command = AcceptCooperation(actor=principal.actor, at=clock.now(), department=department)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/cooperation/contribution",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Record the co-operating department's contribution (提交协同意见)",
    description="After signing for the request. Only the lead, supervisors and the department itself "
    "read it (GET .../cooperations). 409: not_cooperating, cooperation_not_accepted.",
)
async def record_contribution(
    complaint_no: ComplaintNoPath,
    body: ContributionRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = RecordContribution(
        actor=principal.actor, at=clock.now(), department=body.department, contribution=body.contribution
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/cooperation/withdrawal",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Withdraw a co-operation request (撤销协同)",
    description="The lead department's agents or a supervisor; the department owes nothing more.",
)
async def withdraw_cooperation(
    complaint_no: ComplaintNoPath,
    body: CooperationWithdrawalRequest,
    principal: Annotated[Principal, WORKERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = WithdrawCooperation(
        actor=principal.actor, at=clock.now(), department=body.department, reason=body.reason
    )
    return await run_command(uow, clock, principal, complaint_no, command)


@router.get(
    "/complaints/{complaint_no}/cooperations",
    response_model=CooperationView,
    responses=error_responses(
        described={
            403: "The caller's role may not read assignments.",
            404: "No such complaint, or one the agent's department neither leads nor co-operates on.",
        }
    ),
    summary="A complaint's lead and co-operating departments, with the contributions (协同意见)",
    description="Read from the event store. The lead department's agents and staff see every "
    "co-operation and contribution; a co-operating department's agents see only their own.",
)
async def cooperations(
    complaint_no: ComplaintNoPath,
    principal: Annotated[Principal, READERS],
    uow: CommandUnitOfWork,
    lang: Annotated[Lang, Query(description="Language of the labels: zh-CN or en.")] = "zh-CN",
) -> CooperationView:
    state, records = await load(uow.store, complaint_no)
    view = cooperation_view(state, records, principal, lang)
    if view is None:
        raise not_found(complaint_no)
    return view


def cooperation_view(
    state: ComplaintState, records: list[RecordedEvent], principal: Principal, lang: Lang
) -> CooperationView | None:
    """What the caller may see of the complaint's co-operations; None when it may not see it.
    Department isolation: a co-operating department sees its own record and contribution only."""
    if not state.exists:
        return None
    if principal.sees_department(state.department):
        role, shown = ("lead" if principal.role is Role.AGENT else "staff"), state.cooperations
    elif any(principal.sees_department(c.department) for c in state.cooperations):
        role = "cooperating"
        shown = tuple(c for c in state.cooperations if principal.sees_department(c.department))
    else:
        return None
    contributions = _contributions(records)
    items = [
        cooperation_item(_record_data(c), lang, contributions.get(c.department) if c.contributed_at else None)
        for c in shown
    ]
    lead = state.department
    return CooperationView(
        complaint_no=state.complaint_no or "",
        lead_department=lead,
        lead_department_label=label(lead, lang) if lead else None,
        role=role,
        cooperations=items,
    )


def _contributions(records: list[RecordedEvent]) -> dict[str, str]:
    """Each department's latest contribution, read from the stored events."""
    found: dict[str, str] = {}
    for record in records:
        if record.type == "ContributionRecorded":
            event = COMPLAINT_EVENTS.decode(record)
            assert isinstance(event, ContributionRecorded)
            found[event.department] = event.contribution
    return found


def _record_data(record: Cooperation) -> dict[str, Any]:
    return {
        "department": record.department,
        "status": record.status.value,
        "requested_at": record.requested_at,
        "agent": record.agent,
        "accepted_at": record.accepted_at,
        "contributed_at": record.contributed_at,
    }
