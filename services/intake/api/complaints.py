"""POST /v1/complaints: channels (and front-line agents) register complaints; and regrade them."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import JSONResponse

from services.intake.followup import issue_code
from services.intake.limits import TokenBuckets, retry_after
from services.intake.policy import GradingPolicy
from services.intake.receive import SubmissionRefused
from services.intake.schemas import ComplaintSubmission, RegradeRequest, SubmissionAccepted
from services.intake.submit import Submissions, Submitter
from services.intake.submitters import CHANNEL_NOT_ALLOWED
from shared.complaints.commands import RegradeComplaint
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandUnitOfWork,
    ComplaintNoPath,
    CurrentUnitsOfWork,
    run_command,
)
from shared.service.dependencies import CurrentClock, state_dependency

SUBMITTERS = require(Role.CHANNEL, Role.AGENT, Role.SUPERVISOR)
REGRADERS = require(Role.AGENT, Role.SUPERVISOR)

TheSubmissions = Annotated[Submissions, Depends(state_dependency("submissions"))]
"""The one submission handler (``app.state.submissions``)."""
Policy = Annotated[GradingPolicy, Depends(state_dependency("policy"))]
"""The organisation's grading policy (``app.state.policy``)."""
Buckets = Annotated[TokenBuckets, Depends(state_dependency("buckets"))]
"""Each token's submission rate (``app.state.buckets``)."""
StatusBaseUrl = Annotated[str, Depends(state_dependency("status_base_url"))]
"""Where a complaint's status is read (the analytics service), for ``status_url``."""


def accepted_body(
    status_base_url: str,
    complaint_no: str,
    version: int,
    follow_up_code: str | None = None,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    """:class:`SubmissionAccepted` as JSON (its fields, in order), written out: no model to build
    and dump on every submission. The follow-up code only exists for anonymous submissions; the
    duplicate link is always said (null when none)."""
    body: dict[str, Any] = {
        "complaint_no": complaint_no,
        "stream_version": version,
        "status": "received",
        "status_url": f"{status_base_url}/v1/complaints/{complaint_no}",
    }
    if follow_up_code is not None:
        body["follow_up_code"] = follow_up_code
    body["possible_duplicate_of"] = duplicate_of
    return body


class AcceptedResponse(JSONResponse):
    """The same compact UTF-8 JSON as JSONResponse (text, integers and null only), by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def refused(error: SubmissionRefused) -> HTTPException:
    """A refused submission's answer: 403 for a submitter not allowed on the channel, else 422,
    each with the refusal's stable code as ``error``."""
    if error.code == CHANNEL_NOT_ALLOWED:
        return HTTPException(403, detail=error.detail)
    return HTTPException(
        422,
        detail={
            "error": error.code,
            "message": error.message,
            "message_zh": error.message_zh,
            "errors": [
                {"field": name, "type": error.code, "message": error.message} for name in error.fields
            ],
        },
    )


router = APIRouter(prefix="/v1", tags=["intake"])


def rate_limit(buckets: TokenBuckets, subject: str) -> None:
    """Spends one of ``subject``'s submissions: 429 when none is left."""
    wait = buckets.take(subject)
    if wait > 0:
        raise HTTPException(
            429,
            detail={
                "error": "rate_limited",
                "message": "too many submissions from this token; retry later",
                "message_zh": "提交过于频繁，请稍后重试",
                "retry_after_seconds": int(retry_after(wait)),
            },
            headers={"Retry-After": retry_after(wait)},
        )


def accepted(
    status_base_url: str,
    complaint_no: str,
    version: int,
    follow_up_code: str | None = None,
    duplicate_of: str | None = None,
) -> JSONResponse:
    body = accepted_body(status_base_url, complaint_no, version, follow_up_code, duplicate_of)
    return AcceptedResponse(body, status_code=202)


@router.post(
    "/complaints",
    status_code=202,
    response_model=SubmissionAccepted,
    summary="Submit a complaint (受理)",
    responses={
        400: {"description": "The body could not be parsed (e.g. not JSON)."},
        401: {"description": "Missing or unknown bearer token."},
        403: {
            "description": "The token's role may not submit, or may not submit on this channel "
            "(`channel_not_allowed`, naming `channel` and `role`)."
        },
        413: {"description": "The request body is too large (`max_bytes` says the limit)."},
        422: {
            "description": "Invalid submission; `errors` lists each field and why (`missing_fields`: "
            "required by the organisation's policy for this channel or category); "
            "`grade_not_in_scheme`; `idempotency_key_reused` (the Idempotency-Key was used for a "
            "different submission); `received_at_too_old` / `received_at_in_future`: received_at "
            "outside the window TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS back and "
            "TOUSU_INTAKE_RECEIVED_MAX_SKEW_SECONDS ahead; `invalid_text`: a NUL character or a "
            "lone surrogate."
        },
        429: {
            "description": "Too many submissions from this token; see Retry-After. A replay (the same "
            "Idempotency-Key and body as an earlier submission) is answered without spending the rate."
        },
    },
)
async def submit(
    submission: ComplaintSubmission,
    principal: Annotated[Principal, SUBMITTERS],
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=128,
            description="Send the same key when retrying: you get the same complaint number back.",
        ),
    ] = None,
    *,
    submissions: TheSubmissions,
    buckets: Buckets,
    status_base_url: StatusBaseUrl,
    units: CurrentUnitsOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    if submission.anonymous:
        # recording the key would tie the caller's token to the complaint: not for anonymous ones
        idempotency_key = None
    submitter = Submitter(principal.actor, principal.subject, scope=principal.subject)
    async with units() as uow:
        try:
            # the rate is spent once the key is claimed: a replay spends none of it, and a 429
            # rolls the key's claim back with the transaction
            submitted = await submissions.submit(
                uow,
                submission,
                submitter,
                idempotency_key,
                admit=lambda: rate_limit(buckets, principal.subject),
            )
        except SubmissionRefused as error:
            raise refused(error) from None
        if submitted.replayed:  # a replay registers nothing: it spends none of the token's rate
            return accepted(status_base_url, submitted.complaint_no, submitted.stream_version)
        code = (
            await issue_code(uow.connection, submitted.complaint_no, clock.now())
            if submission.anonymous
            else None
        )
    return accepted(
        status_base_url,
        submitted.complaint_no,
        submitted.stream_version,
        code,
        submitted.possible_duplicate_of,
    )


@router.post(
    "/complaints/{complaint_no}/grade",
    summary="Regrade a complaint (改级), with the reason",
    responses={
        400: {"description": "The body could not be parsed (e.g. not JSON)."},
        404: {"description": "No such complaint (or another department's, for an agent)."},
        409: {"description": "Refused, e.g. `same_grade` or `already_closed`."},
        422: {"description": "Invalid body, or `grade_not_in_scheme`."},
    },
)
async def regrade(
    complaint_no: ComplaintNoPath,
    body: RegradeRequest,
    principal: Annotated[Principal, REGRADERS],
    policy: Policy,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
) -> JSONResponse:
    if body.grade not in policy.grades:
        raise refused(
            SubmissionRefused(
                "grade_not_in_scheme",
                f"grade {body.grade.value!r} is not in the scheme {policy.scheme} "
                f"({', '.join(policy.grades)})",
                f"级别 {body.grade.value} 不属于本组织的分级方案（{'、'.join(policy.grades)}）",
                ["grade"],
            )
        )
    command = RegradeComplaint(actor=principal.actor, at=clock.now(), grade=body.grade, reason=body.reason)
    return await run_command(uow, clock, principal, complaint_no, command)
