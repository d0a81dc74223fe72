"""The anonymous follow-up (匿名跟进) endpoints: no bearer token, the complaint number and the
follow-up code are the credential (an employee's own token would tie them to the complaint);
see :mod:`services.intake.followup`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.intake import handlers
from services.intake.followup import NOT_FOUND, GuessLimit, code_matches
from services.intake.receive import ANONYMOUS_COMPLAINANT
from services.intake.schemas import FollowUpFeedback, FollowUpRequest, FollowUpStatus
from shared.complaints.commands import GiveFeedback
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintResolved
from shared.complaints.values import Status, label
from shared.eventstore.complaint_handling import ComplaintNotFound, load
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    outcome_response,
)
from shared.service.dependencies import CurrentClock, CurrentRuntime, state_dependency
from shared.service.error_responses import error_responses
from shared.service.runtime import Runtime

ERRORS = error_responses(
    described={
        404: "Unknown number or wrong code (the answer does not say which).",
        429: "Too many attempts for this number, or overall; see Retry-After.",
    }
)

Guesses = Annotated[GuessLimit, Depends(state_dependency("guesses"))]
"""The follow-up guess limit (``app.state.guesses``)."""

router = APIRouter(prefix="/v1/follow-up", tags=["anonymous follow-up"])


async def verified(runtime: Runtime, guesses: GuessLimit, body: FollowUpRequest) -> None:
    guesses.check(body.complaint_no)
    async with runtime.engine.connect() as conn:
        if not await code_matches(conn, body.complaint_no, body.code):
            raise NOT_FOUND


@router.post(
    "/status",
    response_model=FollowUpStatus,
    summary="Status of an anonymous complaint, with its follow-up code (匿名查询进度)",
    responses=ERRORS,
)
async def follow_up_status(
    body: FollowUpRequest, runtime: CurrentRuntime, guesses: Guesses
) -> FollowUpStatus:
    await verified(runtime, guesses, body)
    state, records = await load(runtime.store, body.complaint_no)
    if not state.exists or state.status is None or state.received_at is None:
        raise NOT_FOUND
    resolution = None
    for record in records:
        if record.type == "ComplaintResolved":
            payload = COMPLAINT_EVENTS.decode(record)
            assert isinstance(payload, ComplaintResolved)
            resolution = payload.resolution
    return FollowUpStatus(
        complaint_no=body.complaint_no,
        status=state.status,
        status_label={"zh-CN": label(state.status, "zh-CN"), "en": label(state.status, "en")},
        received_at=state.received_at,
        resolution=resolution,
        revisit_open=state.status is Status.REVISIT_PENDING,
        stream_version=state.version,
    )


@router.post(
    "/feedback",
    response_model=CommandResult,
    summary="Answer the revisit of an anonymous complaint (匿名回访)",
    responses={
        **ERRORS,
        **error_responses(described={409: "Not resolved yet, or closed."}, models={409: CommandRefused}),
    },
)
async def follow_up_feedback(
    body: FollowUpFeedback,
    runtime: CurrentRuntime,
    guesses: Guesses,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    await verified(runtime, guesses, body)
    command = GiveFeedback(
        actor=ANONYMOUS_COMPLAINANT,
        at=clock.now(),
        satisfied=body.satisfied,
        score=body.score,
        comment=body.comment or None,
        acknowledged=body.acknowledged,
    )
    try:
        outcome = await handlers.give_feedback(uow, clock, body.complaint_no, command)
    except ComplaintNotFound:
        raise NOT_FOUND from None
    return outcome_response(outcome)
