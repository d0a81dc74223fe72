"""What an operator sees of dead letters and may do with one: list, show, retry, discard.

Used by ``tousu dead-letters`` (straight on the database) and each service's admin API
(``/v1/admin/dead-letters``, its own consumers' letters only: ``consumers``).

* **retry**: an ``open`` letter becomes ``retrying`` (``retries`` + 1, who asked and when); the
  consumer that wrote it handles it again from its catch-up loop (:mod:`shared.messaging.retries`)
  and marks it ``resolved``, or ``open`` again with the new reason and attempts. Asking again
  while it is ``retrying`` changes nothing; a ``resolved`` or ``discarded`` letter is refused.
* **discard**: an ``open`` or ``retrying`` letter becomes ``discarded`` with who, when and why,
  and its key (``dead_letter_keys``) is deleted, so a sealed value is unreadable from then on.
  ``retrying`` may be discarded too (a retry that can never run, e.g. its consumer is gone): the
  row lock orders it against a retry in progress, which either resolved the letter first (the
  discard is then refused) or finds it discarded and leaves it alone.

Nothing here returns or logs a message's value, or anything else that may hold personal data:
what a letter shows is its reason and field-level errors (value-free by construction), its
origin, ids, counts and times, and *where* its value is (``value``), never the value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock

log = logging.getLogger(__name__)

__all__ = [
    "ACTIVE",
    "MAX_LIMIT",
    "MAX_REASON_LENGTH",
    "DeadLetterPage",
    "DeadLetterView",
    "LetterNotFound",
    "LetterRefused",
    "LetterStatus",
    "RetryRequest",
    "count_letters",
    "discard_letter",
    "get_letter",
    "list_letters",
    "request_retry",
    "valid_discard_reason",
]


class LetterStatus(StrEnum):
    OPEN = "open"
    RETRYING = "retrying"
    RESOLVED = "resolved"
    DISCARDED = "discarded"


ACTIVE: tuple[LetterStatus, ...] = (LetterStatus.OPEN, LetterStatus.RETRYING)
"""What a list shows unless asked otherwise: the letters that still need someone."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_REASON_LENGTH = 500

ValueWhere = Literal["store", "sealed", "erased", "none"]


class DeadLetterView(BaseModel):
    """A dead letter as an operator sees it: never the message's value."""

    id: int = Field(description="The letter's id.")
    consumer: str = Field(description="The consumer that gave up on the message.")
    message_id: str = Field(description="An event id, a message's id, or topic:partition:offset.")
    status: LetterStatus = Field(description="open, retrying, resolved or discarded.")
    reason: str = Field(description="Why it failed last (no values of the message).")
    errors: list[dict[str, Any]] = Field(description="Field-level reasons: field, type, message.")
    attempts: int = Field(description="Handling attempts so far, retries included.")
    first_failed_at: datetime = Field(description="First failure (UTC).")
    last_failed_at: datetime = Field(description="Last failure (UTC).")
    origin_topic: str | None = Field(description="Where it came from ('store' for an event read from it).")
    origin_partition: int | None = None
    origin_offset: int | None = None
    origin_key: str | None = Field(None, description="Its Kafka key, as text.")
    event_type: str | None = Field(None, description="A stored event's type.")
    stream_id: str | None = Field(None, description="A stored event's stream (complaint number).")
    stream_version: int | None = Field(None, description="A stored event's version in its stream.")
    value: ValueWhere = Field(
        description="Where the message's value is: `store` (a stored event, the event store keeps "
        "it), `sealed` (kept encrypted, for a retry), `erased` (its key was deleted when the letter "
        "was resolved or discarded: unreadable), `none`."
    )
    retries: int = Field(description="How many retries were requested.")
    retry_requested_at: datetime | None = None
    retry_requested_by: str | None = None
    resolved_at: datetime | None = None
    discarded_at: datetime | None = None
    discarded_by: str | None = None
    discard_reason: str | None = None


class DeadLetterPage(BaseModel):
    letters: list[DeadLetterView] = Field(description="Newest failure first.")
    total: int = Field(description="Letters matching the filters (the page holds at most `limit`).")


@dataclass(frozen=True)
class RetryRequest:
    letter: DeadLetterView
    requested: bool
    """False: it was ``retrying`` already, nothing changed."""


class LetterNotFound(LookupError):
    def __init__(self, letter_id: int) -> None:
        super().__init__(f"no dead letter {letter_id}")
        self.letter_id = letter_id


class LetterRefused(Exception):
    """The letter's status does not allow this."""

    def __init__(
        self, letter_id: int, status: LetterStatus, code: str, message: str, message_zh: str
    ) -> None:
        super().__init__(message)
        self.letter_id = letter_id
        self.status = status
        self.code = code
        self.message = message
        self.message_zh = message_zh


COLUMNS = (
    "d.id, d.consumer, d.message_id, d.status, d.reason, d.errors::text, d.attempts, d.first_failed_at, "
    "d.last_failed_at, d.origin_topic, d.origin_partition, d.origin_offset, d.origin_key, d.event_type, "
    "d.stream_id, d.stream_version, "
    "CASE WHEN d.stream_id IS NOT NULL THEN 'store' WHEN d.sealed_value IS NULL THEN 'none' "
    "WHEN EXISTS (SELECT 1 FROM dead_letter_keys k WHERE k.letter_id = d.id) THEN 'sealed' "
    "ELSE 'erased' END, "
    "d.retries, d.retry_requested_at, d.retry_requested_by, d.resolved_at, d.discarded_at, "
    "d.discarded_by, d.discard_reason"
)
FIELDS = [
    "id", "consumer", "message_id", "status", "reason", "errors", "attempts", "first_failed_at",
    "last_failed_at", "origin_topic", "origin_partition", "origin_offset", "origin_key", "event_type",
    "stream_id", "stream_version", "value", "retries", "retry_requested_at", "retry_requested_by",
    "resolved_at", "discarded_at", "discarded_by", "discard_reason",
]  # fmt: skip
MATCHING = (
    "d.status = ANY($1::text[]) AND ($2::text[] IS NULL OR d.consumer = ANY($2::text[])) "
    "AND ($3::text[] IS NULL OR d.consumer = ANY($3::text[]))"
)
LIST = (
    f"SELECT {COLUMNS} FROM dead_letters d WHERE {MATCHING} "
    "ORDER BY d.last_failed_at DESC, d.id DESC LIMIT $4"
)
TOTAL = f"SELECT count(*) FROM dead_letters d WHERE {MATCHING}"
ONE = (
    f"SELECT {COLUMNS} FROM dead_letters d "
    "WHERE d.id = $1 AND ($2::text[] IS NULL OR d.consumer = ANY($2::text[]))"
)
LOCK = (
    "SELECT status FROM dead_letters WHERE id = $1 AND ($2::text[] IS NULL OR consumer = ANY($2::text[])) "
    "FOR UPDATE"
)
RETRY = (
    "UPDATE dead_letters SET status = 'retrying', retries = retries + 1, retry_requested_at = $2, "
    "retry_requested_by = $3 WHERE id = $1"
)
DISCARD = (
    "UPDATE dead_letters SET status = 'discarded', discarded_at = $2, discarded_by = $3, discard_reason = $4 "
    "WHERE id = $1"
)
FORGET_KEY = "DELETE FROM dead_letter_keys WHERE letter_id = $1"
COUNTS = (
    "SELECT consumer, status, count(*) FROM dead_letters "
    "WHERE ($1::text[] IS NULL OR consumer = ANY($1::text[])) GROUP BY consumer, status"
)


def _view(row: Sequence[Any]) -> DeadLetterView:
    values = dict(zip(FIELDS, row, strict=True))
    values["errors"] = json.loads(values["errors"])
    return DeadLetterView.model_validate(values)


def _names(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


async def list_letters(
    conn: AsyncConnection,
    *,
    statuses: Sequence[LetterStatus | str] = ACTIVE,
    consumers: Sequence[str] | None = None,
    within: Sequence[str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> DeadLetterPage:
    """Letters in ``statuses`` of ``consumers`` (None: every consumer), newest failure first.

    ``within``: the consumers the caller may see at all (a service: its own), None for all."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}")
    wanted = sorted({LetterStatus(s).value for s in statuses})
    params = (wanted, _names(consumers), _names(within))
    rows = (await conn.exec_driver_sql(LIST, (*params, limit))).all()
    total = (await conn.exec_driver_sql(TOTAL, params)).scalar_one()
    return DeadLetterPage(letters=[_view(row) for row in rows], total=int(total))


async def get_letter(
    conn: AsyncConnection, letter_id: int, *, within: Sequence[str] | None = None
) -> DeadLetterView:
    row = (await conn.exec_driver_sql(ONE, (letter_id, _names(within)))).first()
    if row is None:
        raise LetterNotFound(letter_id)
    return _view(row)


async def _lock(conn: AsyncConnection, letter_id: int, within: Sequence[str] | None) -> LetterStatus:
    row = (await conn.exec_driver_sql(LOCK, (letter_id, _names(within)))).first()
    if row is None:
        raise LetterNotFound(letter_id)
    return LetterStatus(row[0])


def _refused(letter_id: int, status: LetterStatus, action: str, action_zh: str) -> LetterRefused:
    if status == LetterStatus.RESOLVED:
        return LetterRefused(
            letter_id,
            status,
            "already_resolved",
            f"dead letter {letter_id} is resolved already; it cannot be {action}",
            f"死信 {letter_id} 已处理成功，不能再{action_zh}",
        )
    return LetterRefused(
        letter_id,
        status,
        "already_discarded",
        f"dead letter {letter_id} was discarded; it cannot be {action}",
        f"死信 {letter_id} 已丢弃，不能再{action_zh}",
    )


async def request_retry(
    conn: AsyncConnection,
    letter_id: int,
    *,
    actor: str,
    clock: Clock,
    within: Sequence[str] | None = None,
) -> RetryRequest:
    """Mark an ``open`` letter for retry (in ``conn``'s transaction): its consumer handles it again
    within ``catch_up_interval_seconds``. A ``retrying`` letter is left as it is."""
    status = await _lock(conn, letter_id, within)
    if status in (LetterStatus.RESOLVED, LetterStatus.DISCARDED):
        raise _refused(letter_id, status, "retried", "重试")
    requested = status == LetterStatus.OPEN
    if requested:
        await conn.exec_driver_sql(RETRY, (letter_id, clock.now(), actor))
    letter = await get_letter(conn, letter_id)
    if requested:
        log.info("dead letter retry requested", extra={"consumer": letter.consumer, "letter_id": letter_id})
    return RetryRequest(letter, requested)


def valid_discard_reason(reason: str) -> str:
    """The reason, stripped; ValueError (never quoting it) when empty, too long or holding a NUL."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"the reason is longer than {MAX_REASON_LENGTH} characters")
    if "\x00" in reason:
        raise ValueError("the reason contains a NUL character")
    return reason


async def discard_letter(
    conn: AsyncConnection,
    letter_id: int,
    *,
    actor: str,
    reason: str,
    clock: Clock,
    within: Sequence[str] | None = None,
) -> DeadLetterView:
    """Give up on an ``open`` or ``retrying`` letter for good (in ``conn``'s transaction): its key
    is deleted, so a sealed value becomes unreadable. ``reason`` is kept: no personal data."""
    reason = valid_discard_reason(reason)
    status = await _lock(conn, letter_id, within)
    if status in (LetterStatus.RESOLVED, LetterStatus.DISCARDED):
        again = status == LetterStatus.DISCARDED
        raise _refused(letter_id, status, "discarded again" if again else "discarded", "丢弃")
    await conn.exec_driver_sql(DISCARD, (letter_id, clock.now(), actor, reason))
    await conn.exec_driver_sql(FORGET_KEY, (letter_id,))
    letter = await get_letter(conn, letter_id)
    log.info("dead letter discarded", extra={"consumer": letter.consumer, "letter_id": letter_id})
    return letter


async def count_letters(
    conn: AsyncConnection, consumers: Sequence[str] | None = None
) -> dict[tuple[str, LetterStatus], int]:
    """How many letters each consumer has in each status (absent: none)."""
    rows: Sequence[Any] = (await conn.exec_driver_sql(COUNTS, (_names(consumers),))).all()
    return {(row[0], LetterStatus(row[1])): int(row[2]) for row in rows}
