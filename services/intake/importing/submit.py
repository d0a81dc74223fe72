"""The one place `tousu import` receives a row: intake's one submission handler
(:class:`services.intake.submit.Submissions`, which HTTP, Kafka and email submissions go through),
with the row id as the idempotency key in the import's own scope (``import:<source>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.importing.rows import Prepared, Refusal
from services.intake.submit import IDEMPOTENCY_KEY_REUSED, SubmissionRefused, Submissions, Submitter
from services.intake.window import IMPORT_WINDOW
from shared.events import Actor
from shared.eventstore.unit_of_work import SqlUnitOfWork

KNOWN = text(
    "SELECT key, request_hash FROM intake_idempotency WHERE principal = :principal AND key = ANY(:keys)"
)


def scope_of(source: str) -> str:
    """The namespace of the rows' keys (never a token's subject: those have no ``import:``)."""
    return f"import:{source}"


def submitter_of(source: str) -> Submitter:
    """Who records imported complaints: the import of ``source``, as a service recording what was
    received elsewhere (the policy's ``submitters`` govern channels and staff, not history)."""
    scope = scope_of(source)
    return Submitter(actor=Actor.service(scope), subject=scope, scope=scope)


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
    rows = await conn.execute(KNOWN, {"principal": scope_of(source), "keys": row_ids})
    return {row.key: bytes(row.request_hash) for row in rows}


async def submit(
    conn: AsyncConnection, submissions: Submissions, prepared: Prepared, *, source: str
) -> Received:
    """Receive one row in the caller's transaction. Raises Refused (a refusal as the import
    reports it); the caller rolls its savepoint back, as for any refused submission."""
    try:
        submitted = await submissions.submit(
            SqlUnitOfWork.of(submissions.store.engine, conn),
            prepared.submission,
            submitter_of(source),
            prepared.row_id,
            imported=prepared.history,
            window=IMPORT_WINDOW,  # history: any past received_at (live channels: the configured window)
        )
    except SubmissionRefused as refused:
        if refused.code == IDEMPOTENCY_KEY_REUSED:
            raise Refused(row_id_reused(prepared)) from None
        field = ",".join(refused.fields) or "-"
        raise Refused(
            Refusal(prepared.row, prepared.row_id, field, refused.code, refused.message, refused.message_zh)
        ) from None
    return Received(submitted.complaint_no, already_there=submitted.replayed)


class Refused(Exception):
    """A row refused by the submission handler."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
