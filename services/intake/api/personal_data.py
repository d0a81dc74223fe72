"""Admin endpoints for complainants' personal data: find a complainant, erase their data.

POST   /v1/complainants/lookup           {kind, value} → the pseudonymous complainant_id and complaints
DELETE /v1/complainants/{complainant_id}?reason=…  erasure (PIPL / GDPR): the key is deleted and
                                                   its bucket's KEK destroyed (docs/privacy.md)

Admins only. The lookup takes the phone number or email in the body (never the URL, which
access logs and trace spans keep) and goes through the blind index: the value itself is not
stored anywhere by the lookup. The erasure reason is the request's reference (e.g. a ticket
number): it is kept on the audit trail, so it must not contain personal data.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query

from services.intake.duplicates import forget
from services.intake.schemas import ComplainantFound, ComplainantLookup, ErasureDone
from shared.events import Role
from shared.eventstore import ConcurrencyError
from shared.privacy.config import PrivacySettings
from shared.privacy.envelope import key_ring, settle
from shared.privacy.erasure import NothingToErase, complaints_of, erase_complainant
from shared.privacy.keys import find_complainant
from shared.service.auth import Principal, require
from shared.service.dependencies import CurrentClock, CurrentRuntime, state_dependency
from shared.service.error_responses import error_responses

ADMINS = require(Role.ADMIN)

ERASE_ATTEMPTS = 5
"""An erasure that kept losing to writes on the complainant's complaints answers 503 (busy)."""

ERRORS = error_responses(described={403: "Only admins may look up or erase complainants."})

Privacy = Annotated[PrivacySettings, Depends(state_dependency("privacy"))]
"""The blind-index secret and the key ring's directory (``app.state.privacy``)."""


def not_found(what: str) -> HTTPException:
    return HTTPException(
        404,
        detail={
            "error": "not_found",
            "message": f"no complainant with this {what} (or their data was erased)",
            "message_zh": "没有该投诉人（或其个人信息已删除）",
        },
    )


router = APIRouter(prefix="/v1/complainants", tags=["personal data"])


@router.post(
    "/lookup",
    response_model=ComplainantFound,
    summary="Find a complainant's pseudonymous id by phone, email or number (admin)",
    responses={**ERRORS, 404: {"description": "No complainant has this identifier."}},
)
async def lookup(
    body: ComplainantLookup,
    principal: Annotated[Principal, ADMINS],
    runtime: CurrentRuntime,
    privacy: Privacy,
) -> ComplainantFound:
    async with runtime.engine.connect() as conn:
        found = await find_complainant(conn, privacy.secret, body.kind, body.value)
        if found is None:
            raise not_found(body.kind)
        return ComplainantFound(complainant_id=found, complaints=await complaints_of(conn, found))


@router.delete(
    # the uuid convertor: "lookup" is not an id, so DELETE /lookup is a 405, not a 422 or 403
    "/{complainant_id:uuid}",
    response_model=ErasureDone,
    summary="Erase a complainant's personal data (删除个人信息, PIPL / GDPR) (admin)",
    description="Deletes the complainant's key and lookup rows, replaces the key-encryption key of "
    "its bucket (the old one is destroyed, so copies of the deleted key in database files no "
    "longer open), and appends ComplainantDataErased "
    "to each of their complaints. Afterwards their personal data is unreadable everywhere; every "
    "hash chain still verifies. Irreversible.",
    responses={**ERRORS, 404: {"description": "No key for this id (unknown, or erased already)."}},
)
async def erase(
    complainant_id: UUID,
    principal: Annotated[Principal, ADMINS],
    reason: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Reference of the erasure request, e.g. a ticket number; no personal data.",
        ),
    ],
    runtime: CurrentRuntime,
    clock: CurrentClock,
    privacy: Privacy,
) -> ErasureDone:
    for attempt in range(1, ERASE_ATTEMPTS + 1):
        try:
            async with runtime.engine.begin() as conn:
                ring = await key_ring(conn, privacy.key_ring_dir)
                done = await erase_complainant(
                    conn,
                    runtime.store,
                    complainant_id,
                    actor=principal.actor,
                    clock=clock,
                    reason=reason,
                    ring=ring,
                )
                await forget(conn, complainant_id)
            break
        except NothingToErase:
            raise not_found("id") from None
        except ConcurrencyError:
            # one of their complaints was written to meanwhile: the whole erasure rolled back (the
            # settle below drops the KEK it added) and is done again on the streams' new versions
            if attempt == ERASE_ATTEMPTS:
                raise
    # the bucket's old KEK leaves the key ring (also one a rolled-back or crashed erasure left)
    await settle(runtime.engine, ring)
    return ErasureDone(complainant_id=done.complainant_id, complaints=done.complaint_nos)
