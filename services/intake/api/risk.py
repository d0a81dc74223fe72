"""Risk flags by hand (舆情风险): staff flag a complaint that may reach a regulator or the media,
with the reason; a supervisor or the public-relations owner clears the flags, with the reason.
The automatic flags come from intake's risk rules (services/intake/risk.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.intake.schemas import RiskReason
from shared.complaints.stages.risk import ClearRiskFlag, FlagRisk
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    run_command,
)
from shared.service.dependencies import CurrentClock
from shared.service.error_responses import ErrorBody

FLAGGERS = require(Role.AGENT, Role.SUPERVISOR)
CLEARERS = require(Role.SUPERVISOR, Role.PR_OWNER)

router = APIRouter(prefix="/v1", tags=["intake"])


@router.post(
    "/complaints/{complaint_no}/risk-flag",
    summary="Flag a complaint as a reputational risk (标记舆情风险), with the reason",
    response_model=CommandResult,
    responses={
        404: {
            "model": ErrorBody,
            "description": "No such complaint (or another department's, for an agent).",
        },
        409: {
            "model": CommandRefused,
            "description": "Refused: `already_recorded` (already flagged by hand), `already_closed`, "
            "`awaiting_correction`.",
        },
    },
)
async def flag(
    complaint_no: ComplaintNoPath,
    body: RiskReason,
    principal: Annotated[Principal, FLAGGERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = FlagRisk(actor=principal.actor, at=clock.now(), reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)


@router.post(
    "/complaints/{complaint_no}/risk-flag/clear",
    summary="Clear a complaint's risk flags (解除舆情风险标记), with the reason",
    response_model=CommandResult,
    responses={
        404: {"model": ErrorBody, "description": "No such complaint."},
        409: {
            "model": CommandRefused,
            "description": "Refused: `not_flagged`, `already_closed`, `awaiting_correction`.",
        },
    },
)
async def clear(
    complaint_no: ComplaintNoPath,
    body: RiskReason,
    principal: Annotated[Principal, CLEARERS],
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    command = ClearRiskFlag(actor=principal.actor, at=clock.now(), reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)
