"""POST /v1/complaints: channels (and front-line agents) register complaints."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import JSONResponse

from services.intake import idempotency
from services.intake.receive import receive
from services.intake.submission import ComplaintSubmission, SubmissionAccepted
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.runtime import Runtime

SUBMITTERS = require(Role.CHANNEL, Role.AGENT, Role.SUPERVISOR)


def build_router(runtime: Runtime, status_base_url: str) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["intake"])
    zone = ZoneInfo(runtime.settings.timezone)

    def accepted(complaint_no: str, version: int) -> JSONResponse:
        body = SubmissionAccepted(
            complaint_no=complaint_no,
            stream_version=version,
            status="received",
            status_url=f"{status_base_url}/v1/complaints/{complaint_no}",
        )
        return JSONResponse(body.model_dump(), status_code=202)

    @router.post(
        "/complaints",
        status_code=202,
        response_model=SubmissionAccepted,
        summary="Submit a complaint (受理)",
        responses={
            401: {"description": "Missing or unknown bearer token."},
            403: {"description": "The token's role may not submit."},
            422: {"description": "Invalid submission; `errors` lists each field and why."},
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
    ) -> JSONResponse:
        async with runtime.engine.begin() as conn:
            if idempotency_key is not None:
                digest = idempotency.request_hash(submission.model_dump(mode="json"))
                earlier = await idempotency.claim(conn, principal.subject, idempotency_key, digest)
                if earlier is not None:
                    if not earlier.same_request:
                        raise HTTPException(
                            422,
                            detail={
                                "error": "idempotency_key_reused",
                                "message": "this Idempotency-Key was used for a different submission",
                            },
                        )
                    return accepted(earlier.complaint_no, earlier.stream_version)
            outcome = await receive(
                conn, runtime.store, submission, actor=principal.actor, clock=runtime.clock, zone=zone
            )
            if outcome.rejection is not None:
                raise HTTPException(
                    422, detail={"error": outcome.rejection.reason_code, "message": outcome.rejection.reason}
                )
            if idempotency_key is not None:
                await idempotency.record(
                    conn, principal.subject, idempotency_key, outcome.complaint_no, outcome.stream_version
                )
        return accepted(outcome.complaint_no, outcome.stream_version)

    return router
