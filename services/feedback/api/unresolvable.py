"""Closing a complaint that cannot be resolved (无法解决结案).

POST /v1/complaints/{no}/close-unresolvable    supervisors (admins)
Both the reason and the follow-up plan are required; a blank one is refused (409,
unresolvable_without_reason / unresolvable_without_plan, in both languages).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.feedback import handlers
from services.feedback.schemas import UnresolvableRequest
from shared.complaints.stages.unresolvable import CloseAsUnresolvable
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
)
from shared.service.dependencies import CurrentClock
from shared.service.error_responses import error_responses

SUPERVISORS = require(Role.SUPERVISOR)

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post(
    "/complaints/{complaint_no}/close-unresolvable",
    response_model=CommandResult,
    summary="Close a complaint that cannot be resolved, with the reason and the follow-up plan",
    responses=error_responses(
        described={
            403: "Not a supervisor or an admin.",
            404: "No such complaint.",
            409: "Not assigned yet or already closed, or the reason or the follow-up plan is missing.",
        },
        models={409: CommandRefused},
    ),
)
async def close_unresolvable(
    complaint_no: ComplaintNoPath,
    body: UnresolvableRequest,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    principal: Principal = SUPERVISORS,  # type: ignore[assignment]
) -> JSONResponse:
    command = CloseAsUnresolvable(
        actor=principal.actor, at=clock.now(), reason=body.reason, follow_up_plan=body.follow_up_plan
    )
    try:
        outcome = await handlers.close_as_unresolvable(uow, clock, complaint_no, command)
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    return outcome_response(outcome)
