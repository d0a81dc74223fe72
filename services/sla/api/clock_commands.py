"""HTTP: put a complaint on hold and resume it, request, approve and decline extensions (through
the handlers), reload the policy (admins)."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from services.sla import handlers
from services.sla.deadlines import DeadlinePlanner
from services.sla.handlers import ExtensionOverMaximum, NoRunningClock, RunningClocks
from services.sla.policy import PolicyError
from services.sla.schemas import (
    ApproveRequest,
    DeclineRequest,
    ExtensionRequest,
    HoldRequest,
    PolicyReloaded,
    ResumeRequest,
)
from shared.complaints import (
    DeclineSlaExtension,
    PutComplaintOnHold,
    ResumeComplaint,
    SlaStage,
    label,
)
from shared.events import Role
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    not_found,
    outcome_response,
    run_command,
)
from shared.service.dependencies import CurrentClock, state_dependency
from shared.service.error_responses import error_responses


def _field_error(field: str, refusal: dict[str, Any]) -> dict[str, Any]:
    return {"field": field, "type": refusal["error"], "message": refusal["message"]}


Workers = Annotated[Principal, require(Role.AGENT, Role.SUPERVISOR)]
Supervisors = Annotated[Principal, require(Role.SUPERVISOR)]
Admins = Annotated[Principal, require()]

COMMAND_RESPONSES = error_responses(
    described={
        404: "No such complaint (or not your department's).",
        409: "Refused by the complaint's rules; recorded.",
    },
    models={409: CommandRefused},
)


class PolicyControl(Protocol):
    """What the API needs of the service to count notice and reload the policy."""

    @property
    def planner(self) -> DeadlinePlanner: ...

    async def reload(self, *, force: bool = False) -> tuple[str, int | None]: ...


Control = Annotated[PolicyControl, Depends(state_dependency("control"))]
"""The policy in force and its reload (``app.state.control``)."""
Clocks = Annotated[RunningClocks, Depends(state_dependency("running_clocks"))]
"""The running clocks (``app.state.running_clocks``)."""

router = APIRouter(prefix="/v1", tags=["clock rules"])


@router.post(
    "/complaints/{complaint_no}/hold",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Wait on the complainant (等待投诉人)",
    description="The responsible department's agent (or a supervisor). The resolution and "
    "progress clocks pause; the time on hold does not count against the department.",
)
async def hold(
    complaint_no: ComplaintNoPath,
    body: HoldRequest,
    principal: Workers,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = PutComplaintOnHold(actor=principal.actor, at=clock.now(), reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/resume",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Resume after waiting on the complainant (恢复处理)",
)
async def resume(
    complaint_no: ComplaintNoPath,
    principal: Workers,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    body: ResumeRequest | None = None,
) -> JSONResponse:
    note = body.note if body else None
    command = ResumeComplaint(actor=principal.actor, at=clock.now(), note=note)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/extensions",
    response_model=CommandResult,
    responses={
        **COMMAND_RESPONSES,
        409: {
            "model": CommandRefused,
            "description": "Refused (e.g. extension_too_late: less than one working day before "
            "the deadline; extension_pending; no_running_clock).",
        },
        422: {
            "description": "Invalid body, e.g. `extension_over_maximum`: with the extensions already "
            "approved, the clock would get more than the policy's max_extension for the stage "
            "(`max_extension` and `approved_extension` say how much); or `consent.at` outside 2000-2099."
        },
    },
    summary="Request an extension (延期申请)",
    description="The responsible department's agent, with the complainant's consent, at least "
    "one working day (on the business calendar) before the stage's deadline. A supervisor "
    "approves or declines it.",
)
async def request_extension(
    complaint_no: ComplaintNoPath,
    body: ExtensionRequest,
    principal: Workers,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    control: Control,
    clocks: Clocks,
) -> JSONResponse:
    try:
        outcome = await handlers.request_extension(
            uow, clocks, control.planner, clock, principal, complaint_no, body
        )
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    except NoRunningClock as error:
        raise HTTPException(
            409,
            detail={
                "error": "no_running_clock",
                "message": str(error),
                "message_zh": f"投诉 {complaint_no} 没有正在计时的「{label(body.stage, 'zh-CN')}」时限",
                # shaped like CommandRefused, as the 409 is documented, though nothing is recorded
                "complaint_no": complaint_no,
                "stream_version": error.stream_version,
            },
        ) from None
    except ExtensionOverMaximum as error:
        over = error.refusal
        raise HTTPException(422, detail={**over, "errors": [_field_error("extension", over)]}) from None
    return outcome_response(outcome)


@router.post(
    "/complaints/{complaint_no}/extensions/{stage}/approve",
    response_model=CommandResult,
    responses={
        **COMMAND_RESPONSES,
        409: {
            "model": CommandRefused,
            "description": "Refused by the complaint's rules and recorded (e.g. no_extension_pending), "
            "or `extension_over_maximum`: the policy's maximum was lowered since the request "
            "(not recorded).",
        },
    },
    summary="Approve an extension (批准延期)",
    description="Supervisors. The stage's deadline moves by the extension; its warning too.",
)
async def approve_extension(
    complaint_no: ComplaintNoPath,
    stage: SlaStage,
    principal: Supervisors,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    control: Control,
    clocks: Clocks,
    body: ApproveRequest | None = None,
) -> JSONResponse:
    note = body.note if body else None
    try:
        outcome = await handlers.approve_extension(
            uow, clocks, control.planner, clock, principal, complaint_no, stage, note
        )
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    except ExtensionOverMaximum as error:  # shaped like CommandRefused, though nothing is recorded
        raise HTTPException(
            409,
            detail={**error.refusal, "complaint_no": complaint_no, "stream_version": error.stream_version},
        ) from None
    return outcome_response(outcome)


@router.post(
    "/complaints/{complaint_no}/extensions/{stage}/decline",
    response_model=CommandResult,
    responses=COMMAND_RESPONSES,
    summary="Decline an extension (驳回延期)",
)
async def decline_extension(
    complaint_no: ComplaintNoPath,
    stage: SlaStage,
    body: DeclineRequest,
    principal: Supervisors,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = DeclineSlaExtension(actor=principal.actor, at=clock.now(), stage=stage, reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/admin/sla/policy/reload",
    response_model=PolicyReloaded,
    responses=error_responses(described={422: "The policy file is invalid; nothing changed."}),
    summary="Reload the SLA policy file",
    description="Admins. Reads TOUSU_SLA_POLICY_FILE (or the packaged policy) again; when it "
    "changed, every running deadline is re-computed from its start, the new limit, its "
    "extensions and its time on hold. A bad file changes nothing.",
)
async def reload_policy(
    principal: Admins,
    control: Control,
    force: Annotated[
        bool,
        Query(description="Re-compute even when the policy is unchanged (e.g. after a calendar edit)."),
    ] = False,
) -> PolicyReloaded:
    try:
        fingerprint, changed = await control.reload(force=force)
    except PolicyError as error:
        raise HTTPException(422, detail={"error": "invalid_policy", "message": str(error)}) from None
    return PolicyReloaded(fingerprint=fingerprint, changed=changed)
