"""Anonymous follow-up (匿名跟进): a secret code, shown once, is the submitter's only key.

An anonymous employee gets the complaint number and a follow-up code when submitting. Only a
salted scrypt hash of the code is stored (``intake_followup_codes``), never the code itself and
never who submitted. With the number and the code — and only with them — the submitter can read
the status and the department's reply, and answer the revisit (回访).

Both endpoints take the number and code in the JSON body (never the URL, which access logs and
trace spans keep). A wrong code and an unknown number get the same 404, after the same scrypt
work, so an answer never tells whether a number exists. Guessing is rate-limited per complaint
number and over all numbers (in process, like the submission limit; several intake processes
each keep their own counts).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.limits import TokenBuckets, retry_after
from services.intake.receive import ANONYMOUS_COMPLAINANT
from services.intake.text import nul_free
from shared.clock import Clock
from shared.complaints.commands import GiveFeedback
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintResolved
from shared.complaints.values import ComplaintNo, Status, label
from shared.eventstore.complaint_handling import ComplaintNotFound, execute, load
from shared.service.complaint_commands import CommandRefused, CommandResult, outcome_response
from shared.service.error_responses import error_responses
from shared.service.runtime import Runtime

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
CODE_LENGTH = 20  # 20 × 5 bits = 100 bits: not guessable, even without the rate limit
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
_DUMMY_SALT = b"tousu-no-such-complaint-salt"

_STORE = text(
    "INSERT INTO intake_followup_codes (complaint_no, salt, code_hash, created_at) "
    "VALUES (:no, :salt, :hash, :at)"
)
_FIND = text("SELECT salt, code_hash FROM intake_followup_codes WHERE complaint_no = :no")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normalise_code(code).encode(), salt=salt, **SCRYPT)


async def issue_code(conn: AsyncConnection, complaint_no: str, at: datetime) -> str:
    """A new code for an anonymous complaint; only its salted hash is kept."""
    code, salt = new_code(), os.urandom(16)
    digest = await asyncio.to_thread(code_hash, code, salt)
    await conn.execute(_STORE, {"no": complaint_no, "salt": salt, "hash": digest, "at": at})
    return code


async def code_matches(conn: AsyncConnection, complaint_no: str, code: str) -> bool:
    row = (await conn.execute(_FIND, {"no": complaint_no})).first()
    salt, expected = (bytes(row[0]), bytes(row[1])) if row else (_DUMMY_SALT, b"")
    digest = await asyncio.to_thread(code_hash, code, salt)  # the same work for unknown numbers
    return row is not None and hmac.compare_digest(digest, expected)


Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class FollowUpRequest(BaseModel):
    """The complaint number and the follow-up code shown when the complaint was submitted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complaint_no: ComplaintNo = Field(description="The complaint number (投诉编号).")
    code: Code = Field(description="The follow-up code (跟进码), with or without dashes.")

    _no_nul = model_validator(mode="before")(nul_free)


class FollowUpFeedback(FollowUpRequest):
    """The anonymous submitter's answer to the revisit (回访)."""

    satisfied: bool = Field(description="True when satisfied with the resolution.")
    score: int = Field(ge=1, le=5, description="Satisfaction score, 1 (worst) to 5 (best).")
    comment: str | None = Field(None, max_length=2000, description="Anything to add.")
    acknowledged: bool = Field(
        False, description="Not satisfied, but accepting the solution: the complaint closes."
    )


class FollowUpStatus(BaseModel):
    """What the anonymous submitter may read about their complaint."""

    complaint_no: str = Field(description="The complaint number.")
    status: Status = Field(description="The status code.")
    status_label: dict[str, str] = Field(description="The status for people, zh-CN and en.")
    received_at: datetime = Field(description="When it was received (UTC).")
    resolution: str | None = Field(description="The department's latest reply, once resolved.")
    revisit_open: bool = Field(description="True while the revisit waits for the submitter's answer.")
    stream_version: int = Field(description="The complaint's stream version.")


NOT_FOUND = HTTPException(
    404,
    detail={
        "error": "not_found",
        "message": "no complaint with this number and follow-up code",
        "message_zh": "投诉编号或跟进码不正确",
    },
)


class GuessLimit:
    """Wrong guesses cost: a bucket per complaint number and one over all numbers."""

    def __init__(
        self, clock: Clock, per_number_per_minute: float = 5, overall_per_minute: float = 120
    ) -> None:
        self.per_number = TokenBuckets(clock, per_number_per_minute, int(per_number_per_minute))
        self.overall = TokenBuckets(clock, overall_per_minute, int(overall_per_minute))

    def check(self, complaint_no: str) -> None:
        wait = max(self.overall.take("*"), self.per_number.take(complaint_no))
        if wait > 0:
            raise HTTPException(
                429,
                detail={
                    "error": "rate_limited",
                    "message": "too many attempts; retry later",
                    "message_zh": "尝试次数过多，请稍后再试",
                    "retry_after_seconds": int(retry_after(wait)),
                },
                headers={"Retry-After": retry_after(wait)},
            )


ERRORS = error_responses(
    described={
        404: "Unknown number or wrong code (the answer does not say which).",
        429: "Too many attempts for this number, or overall; see Retry-After.",
    }
)


def build_followup_router(runtime: Runtime, limit: GuessLimit | None = None) -> APIRouter:
    """No bearer token: the number and the code are the credential (an employee's own token
    would tie them to the complaint)."""
    router = APIRouter(prefix="/v1/follow-up", tags=["anonymous follow-up"])
    guesses = limit or GuessLimit(runtime.clock)

    async def verified(body: FollowUpRequest) -> None:
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
    async def follow_up_status(body: FollowUpRequest) -> FollowUpStatus:
        await verified(body)
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
    async def follow_up_feedback(body: FollowUpFeedback) -> JSONResponse:
        await verified(body)
        command = GiveFeedback(
            actor=ANONYMOUS_COMPLAINANT,
            at=runtime.clock.now(),
            satisfied=body.satisfied,
            score=body.score,
            comment=body.comment or None,
            acknowledged=body.acknowledged,
        )
        try:
            outcome = await execute(runtime.store, body.complaint_no, command, clock=runtime.clock)
        except ComplaintNotFound:
            raise NOT_FOUND from None
        return outcome_response(outcome)

    return router
