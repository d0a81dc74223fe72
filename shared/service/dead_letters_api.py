"""Admin-only HTTP for the dead letters of this service's own consumers (every service has it).

GET  /v1/admin/dead-letters?status=&consumer=&limit=   newest failure first; default open + retrying
GET  /v1/admin/dead-letters/{id}
POST /v1/admin/dead-letters/{id}/retry                 202: its consumer handles it again shortly
POST /v1/admin/dead-letters/{id}/discard  {"reason"}   a sealed value becomes unreadable

A letter of another service's consumer is 404 here (ask that service, or `tousu dead-letters`).
The actor recorded is the caller (``admin:<subject>``), never a body field. What a letter shows
and why it never holds a message's value: :mod:`shared.messaging.dead_letter_admin`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.messaging.dead_letter_admin import (
    ACTIVE,
    MAX_LIMIT,
    MAX_REASON_LENGTH,
    DeadLetterPage,
    DeadLetterView,
    LetterNotFound,
    LetterRefused,
    LetterStatus,
    discard_letter,
    get_letter,
    list_letters,
    request_retry,
    valid_discard_reason,
)
from shared.service.auth import Principal, require
from shared.service.dependencies import CurrentRuntime
from shared.service.error_responses import error_responses

ADMINS = require()  # admins only


class LetterRefusedBody(BaseModel):
    """The letter's status does not allow this."""

    error: str = Field(description="already_resolved or already_discarded.")
    message: str = Field(description="What is wrong, in English.")
    message_zh: str = Field(description="What is wrong, in Simplified Chinese.")
    letter_id: int = Field(description="The letter.")
    status: LetterStatus = Field(description="Its status now.")


class DiscardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=MAX_REASON_LENGTH,
        description="Why it is given up on (kept with the letter): a ticket or a short note, no "
        "personal data.",
    )

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return valid_discard_reason(value)


AUTH = error_responses(403, described={403: "Only admins may see or act on dead letters."})
ONE = {**AUTH, **error_responses(described={404: "No such letter among this service's consumers'."})}
ACTION = {
    **ONE,
    **error_responses(
        described={409: "The letter is resolved or discarded already."}, models={409: LetterRefusedBody}
    ),
}

LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The letter's id.")]


def _actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.subject}"


def _not_found(letter_id: int, service: str) -> HTTPException:
    return HTTPException(
        404,
        detail={
            "error": "not_found",
            "message": f"no dead letter {letter_id} among the {service} service's consumers",
            "message_zh": f"{service} 服务的消费者没有编号为 {letter_id} 的死信",
        },
    )


def _conflict(refused: LetterRefused) -> HTTPException:
    return HTTPException(
        409,
        detail={
            "error": refused.code,
            "message": refused.message,
            "message_zh": refused.message_zh,
            "letter_id": refused.letter_id,
            "status": refused.status.value,
        },
    )


def _own_consumers(runtime: CurrentRuntime) -> list[str]:
    """The consumers whose letters this service answers for: its own."""
    return [consumer.name for consumer in runtime.consumers]


OwnConsumers = Annotated[list[str], Depends(_own_consumers)]

router = APIRouter(prefix="/v1/admin/dead-letters", tags=["dead letters (admin)"])


@router.get(
    "",
    response_model=DeadLetterPage,
    summary="This service's dead letters, newest failure first (admin)",
    description="Messages this service's consumers gave up on: reason, field-level errors, "
    "origin, attempts, and what was done about them. Never the message's value.",
    responses=AUTH,
)
async def list_dead_letters(
    principal: Annotated[Principal, ADMINS],
    runtime: CurrentRuntime,
    own: OwnConsumers,
    status: Annotated[
        list[LetterStatus] | None,
        Query(description="Repeatable; default open and retrying."),
    ] = None,
    consumer: Annotated[
        list[str] | None,
        Query(max_length=200, description="Only these consumers' letters (repeatable)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most letters returned.")] = 50,
) -> DeadLetterPage:
    async with runtime.engine.connect() as conn:
        return await list_letters(
            conn, statuses=status or ACTIVE, consumers=consumer, within=own, limit=limit
        )


@router.get(
    "/{letter_id}",
    response_model=DeadLetterView,
    summary="One dead letter of this service (admin)",
    responses=ONE,
)
async def show_dead_letter(
    letter_id: LetterId, principal: Annotated[Principal, ADMINS], runtime: CurrentRuntime, own: OwnConsumers
) -> DeadLetterView:
    try:
        async with runtime.engine.connect() as conn:
            return await get_letter(conn, letter_id, within=own)
    except LetterNotFound:
        raise _not_found(letter_id, runtime.name) from None


@router.post(
    "/{letter_id}/retry",
    response_model=DeadLetterView,
    status_code=202,
    summary="Have its consumer handle the letter again (admin)",
    description="An open letter becomes `retrying`; its consumer handles it again within "
    "`TOUSU_CATCH_UP_INTERVAL_SECONDS`, like a new delivery: then `resolved`, or `open` again "
    "with the new reason and attempts (poll GET). Asking again while it is `retrying` changes "
    "nothing.",
    responses=ACTION,
)
async def retry_dead_letter(
    letter_id: LetterId, principal: Annotated[Principal, ADMINS], runtime: CurrentRuntime, own: OwnConsumers
) -> DeadLetterView:
    try:
        async with runtime.engine.begin() as conn:
            request = await request_retry(
                conn, letter_id, actor=_actor(principal), clock=runtime.clock, within=own
            )
    except LetterNotFound:
        raise _not_found(letter_id, runtime.name) from None
    except LetterRefused as refused:
        raise _conflict(refused) from None
    return request.letter


@router.post(
    "/{letter_id}/discard",
    response_model=DeadLetterView,
    summary="Give up on the letter for good (admin)",
    description="An open or retrying letter becomes `discarded` with the caller, the time and the "
    "reason; its key is deleted, so a sealed value is unreadable from then on. Irreversible.",
    responses=ACTION,
)
async def discard_dead_letter(
    letter_id: LetterId,
    body: DiscardRequest,
    principal: Annotated[Principal, ADMINS],
    runtime: CurrentRuntime,
    own: OwnConsumers,
) -> DeadLetterView:
    try:
        async with runtime.engine.begin() as conn:
            return await discard_letter(
                conn,
                letter_id,
                actor=_actor(principal),
                reason=body.reason,
                clock=runtime.clock,
                within=own,
            )
    except LetterNotFound:
        raise _not_found(letter_id, runtime.name) from None
    except LetterRefused as refused:
        raise _conflict(refused) from None
