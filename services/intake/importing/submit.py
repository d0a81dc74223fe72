"""The one place `tousu import` receives a row: intake's ``receive`` (services/intake/receive.py),
the function HTTP submissions go through, behind the same idempotency as the HTTP
``Idempotency-Key`` (``intake_idempotency``, keyed by ``import:<source>`` and the row id).

Every row passes here and nowhere else, so when intake's entrypoints share one handler, this is
the single call to repoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake import idempotency
from services.intake.importing.rows import Prepared, Refusal
from services.intake.policy import GradingPolicy
from services.intake.receive import SubmissionRefused, receive
from shared.clock import Clock
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.privacy.config import PrivacySettings

KNOWN = text(
    "SELECT key, request_hash FROM intake_idempotency WHERE principal = :principal AND key = ANY(:keys)"
)


def principal_of(source: str) -> str:
    """Whose idempotency keys the rows of ``source`` are (never a token's subject: those have no colon
    after ``import``)."""
    return f"import:{source}"


def actor_of(source: str) -> Actor:
    """Who records imported complaints: the import of ``source``, acting as a channel."""
    return Actor(role=Role.CHANNEL, id=principal_of(source))


@dataclass(frozen=True)
class Received:
    complaint_no: str
    already_there: bool
    """True when the row had been imported before (by an earlier run): nothing was added."""


def row_id_reused(prepared: Prepared) -> Refusal:
    return Refusal(
        prepared.row,
        prepared.row_id,
        "row_id",
        "row_id_reused",
        "a row with this id and different content was imported before",
        "此前已导入过同一行编号但内容不同的记录",
    )


async def known(conn: AsyncConnection, source: str, row_ids: list[str]) -> dict[str, bytes]:
    """The request hashes of the rows of ``source`` already imported, among ``row_ids``."""
    if not row_ids:
        return {}
    rows = await conn.execute(KNOWN, {"principal": principal_of(source), "keys": row_ids})
    return {row.key: bytes(row.request_hash) for row in rows}


async def submit(
    conn: AsyncConnection,
    store: PostgresEventStore,
    prepared: Prepared,
    *,
    source: str,
    policy: GradingPolicy,
    clock: Clock,
    zone: ZoneInfo,
    privacy: PrivacySettings,
) -> Received | Refusal:
    """Receive one row in the caller's transaction. A Refusal leaves writes behind (the key's
    claim, a rejected receipt): the caller rolls its transaction or savepoint back."""
    principal = principal_of(source)
    earlier = await idempotency.claim(conn, principal, prepared.row_id, prepared.digest)
    if earlier is not None:
        if not earlier.same_request:
            return row_id_reused(prepared)
        return Received(earlier.complaint_no, already_there=True)
    try:
        outcome = await receive(
            conn,
            store,
            prepared.submission,
            policy=policy,
            actor=actor_of(source),
            clock=clock,
            zone=zone,
            submission_id=prepared.row_id,
            privacy=privacy,
            imported=prepared.history,
        )
    except SubmissionRefused as refused:
        field = ",".join(refused.fields) or "-"
        return Refusal(
            prepared.row, prepared.row_id, field, refused.code, refused.message, refused.message_zh
        )
    rejection = outcome.rejection
    if rejection is not None:
        return Refusal(
            prepared.row, prepared.row_id, "-", rejection.reason_code, rejection.reason, rejection.reason_zh
        )
    await idempotency.record(conn, principal, prepared.row_id, outcome.complaint_no, outcome.stream_version)
    return Received(outcome.complaint_no, already_there=False)
