"""POST /v1/complaints/{no}/merge: a supervisor merges a duplicate into the surviving complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.intake.text import nul_free
from shared.complaints.commands import MergeComplaint, RecordMergedDuplicate
from shared.complaints.values import ComplaintNo
from shared.events import Role
from shared.eventstore import ConcurrencyError, EventStore
from shared.eventstore.complaint_handling import ComplaintNotFound, Outcome, execute, load
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    ComplaintNoPath,
    not_found,
    outcome_response,
)
from shared.service.error_responses import ErrorBody
from shared.service.runtime import Runtime

MERGERS = require(Role.SUPERVISOR)

ATTEMPTS = 3


class MergeRequest(BaseModel):
    """Which complaint survives, and why."""

    model_config = ConfigDict(extra="forbid")

    into: ComplaintNo = Field(description="Number of the surviving complaint (e.g. the earlier one).")
    reason: str = Field(min_length=1, max_length=2000, description="Why they are the same complaint.")

    _no_nul = model_validator(mode="before")(nul_free)


def build_merge_router(runtime: Runtime) -> APIRouter:
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
        complaint_no: ComplaintNoPath, body: MergeRequest, principal: Annotated[Principal, MERGERS]
    ) -> JSONResponse:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with runtime.engine.begin() as conn:
                    outcome = await _merge(runtime.store.bound(conn), complaint_no, body, principal)
                break
            except ConcurrencyError:  # another writer moved one of the two streams: decide again
                if attempt == ATTEMPTS:
                    raise
            except ComplaintNotFound:
                raise not_found(complaint_no) from None
        return outcome_response(outcome)

    async def _merge(
        store: EventStore, complaint_no: str, body: MergeRequest, principal: Principal
    ) -> Outcome:
        """Both streams in one transaction: the duplicate ends (ComplaintMerged) and the survivor
        records it (DuplicateMergedInto), or neither. The survivor's status is read here so that
        decide() stays pure."""
        survivor, _ = await load(store, body.into)
        now = runtime.clock.now()
        command = MergeComplaint(
            actor=principal.actor,
            at=now,
            into=body.into,
            reason=body.reason,
            into_status=survivor.status if survivor.exists else None,
        )
        outcome = await execute(store, complaint_no, command, clock=runtime.clock, attempts=1)
        if outcome.rejection is None:
            record = RecordMergedDuplicate(
                actor=principal.actor, at=now, duplicate=complaint_no, reason=body.reason
            )
            await execute(store, body.into, record, clock=runtime.clock, attempts=1)
        return outcome

    return router
