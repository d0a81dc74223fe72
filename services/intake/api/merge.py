"""POST /v1/complaints/{no}/merge: a supervisor merges a duplicate into the surviving complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.intake import handlers
from services.intake.schemas import MergeRequest
from shared.events import Role
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    ComplaintNoPath,
    CurrentUnitsOfWork,
    not_found,
    outcome_response,
)
from shared.service.dependencies import CurrentClock
from shared.service.error_responses import ErrorBody

MERGERS = require(Role.SUPERVISOR)

router = APIRouter(prefix="/v1", tags=["intake"])


@router.post(
    "/complaints/{complaint_no}/merge",
    summary="Merge a duplicate into the surviving complaint (合并重复投诉)",
    response_model=CommandResult,
    responses={
        404: {"model": ErrorBody, "description": "No such complaint."},
        409: {
            "model": CommandRefused,
            "description": "Refused: `merge_into_self`, `merge_target_unknown`, `merge_target_final`, "
            "`already_closed`, `wrong_state` (already resolved), `awaiting_correction`.",
        },
    },
)
async def merge(
    complaint_no: ComplaintNoPath,
    body: MergeRequest,
    principal: Annotated[Principal, MERGERS],
    units: CurrentUnitsOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    try:
        outcome = await handlers.merge(units, clock, principal.actor, complaint_no, body.into, body.reason)
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    return outcome_response(outcome)
