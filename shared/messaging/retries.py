"""Retrying a dead letter: it flows through its consumer's recipe like a new delivery.

``tousu dead-letters retry ID`` (or the admin API) marks a letter ``retrying``; the consumer that
wrote it picks it up in its catch-up loop and handles it once more, in a transaction that also
marks the letter ``resolved`` (so a retry happens once, whichever instance takes it). A stored
event is read from the store and handled even though the consumer's position is past it (that
is what dead-lettering did); a message's value is unsealed, deduplicated by its id as always, and
its key deleted with the resolution. A retry that fails again is bounded like any delivery and
leaves the letter ``open`` with the new reason and attempts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from shared.events import RecordedEvent
from shared.events.streams import stream_category
from shared.eventstore import ConcurrencyError
from shared.messaging.consumer import MARK_PROCESSED, Consumer, HandlerContext
from shared.messaging.dead_letters import ValueUnavailable, open_value
from shared.messaging.failures import PoisonMessage, error_details, failure_reason, validation_reasons

log = logging.getLogger(__name__)

REQUESTED = (
    "SELECT id, message_id, stream_id, stream_version FROM dead_letters "
    "WHERE consumer = $1 AND status = 'retrying' ORDER BY id LIMIT 100"
)
RESOLVE = (
    "UPDATE dead_letters SET status = 'resolved', resolved_at = $2 "
    "WHERE id = $1 AND status = 'retrying' RETURNING id"
)
FORGET_KEY = "DELETE FROM dead_letter_keys WHERE letter_id = $1"
FAILED_AGAIN = (
    "UPDATE dead_letters SET status = 'open', reason = $2, errors = $3::jsonb, attempts = attempts + $4, "
    "last_failed_at = $5 WHERE id = $1 AND status = 'retrying'"
)


class _AlreadyTaken(Exception):
    """Another instance resolved the letter first."""


async def retry_requested_letters(consumer: Consumer) -> int:
    """Retry this consumer's letters marked for retry; returns how many were resolved."""
    async with consumer.engine.connect() as conn:
        letters: Sequence[Any] = (await conn.exec_driver_sql(REQUESTED, (consumer.name,))).all()
    resolved = 0
    for letter in letters:
        if await _retry(consumer, letter[0], letter[1], letter[2], letter[3]):
            resolved += 1
    return resolved


async def _retry(
    consumer: Consumer, letter_id: int, message_id: str, stream_id: str | None, version: int | None
) -> bool:
    attempts = consumer.settings.consumer_max_attempts
    for attempt in range(1, attempts + 1):
        try:
            async with consumer.engine.begin() as conn:
                if not (await conn.exec_driver_sql(RESOLVE, (letter_id, consumer.clock.now()))).first():
                    raise _AlreadyTaken()
                ctx = HandlerContext(conn, consumer.store.bound(conn))
                if stream_id is not None and version is not None:
                    await _handle_event(consumer, ctx, stream_id, version)
                elif consumer.messages is None:
                    await _handle_stray_event(consumer, ctx, letter_id)
                else:
                    await _handle_message(consumer, ctx, letter_id)
                await conn.exec_driver_sql(FORGET_KEY, (letter_id,))
            await ctx.run_after_commit()
            consumer.processed += 1
            log.info("dead letter retried", extra={"consumer": consumer.name, "letter_id": letter_id})
            return True
        except _AlreadyTaken:
            return False
        except Exception as error:
            consumer._raise_if_unreachable(error)
            final = (
                isinstance(error, PoisonMessage | ValueUnavailable | ValidationError) or attempt == attempts
            )
            if final:
                reason = error.reason if isinstance(error, PoisonMessage) else failure_reason(error)
                errors = error.errors if isinstance(error, PoisonMessage) else error_details(error)
                await _failed_again(consumer, letter_id, reason, errors, attempt)
                return False
            if not isinstance(error, ConcurrencyError):
                await asyncio.sleep(consumer.settings.consumer_backoff_seconds * 2 ** (attempt - 1))
    return False


async def _handle_event(consumer: Consumer, ctx: HandlerContext, stream_id: str, version: int) -> None:
    subscription = consumer._event_subscription()
    if not subscription.takes(stream_category(stream_id)):
        return  # a stream of a category the consumer passes over (a letter from before it did)
    store = ctx.store
    event = next(
        (e for e in await store.read_stream(stream_id, version) if e.stream_version == version), None
    )
    if event is None:
        raise PoisonMessage(f"stream {stream_id} has no version {version} in the store")
    if subscription.wants(event.type, stream_category(stream_id)):
        await subscription.handler([event], ctx)


async def _handle_stray_event(consumer: Consumer, ctx: HandlerContext, letter_id: int) -> None:
    """A letter of an events consumer that names no stream: a message on the events topic that
    did not decode as an event. Decoded again, as a new delivery of the same bytes would be; an
    event after all (a fixed decoder) is handled as the store holds it."""
    value = await open_value(ctx.connection, letter_id)
    try:
        event = RecordedEvent.from_wire(value)
    except ValidationError as error:
        raise PoisonMessage("invalid message", validation_reasons(error)) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise PoisonMessage(f"undecodable event: {type(error).__name__}") from None
    await _handle_event(consumer, ctx, event.stream_id, event.stream_version)


async def _handle_message(consumer: Consumer, ctx: HandlerContext, letter_id: int) -> None:
    subscription = consumer._message_subscription()
    conn = ctx.connection
    value = await open_value(conn, letter_id)
    try:
        decoded = subscription.decode(value)
    except ValidationError as error:
        raise PoisonMessage("invalid message", validation_reasons(error)) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise PoisonMessage(f"undecodable message: {type(error).__name__}") from None
    marked = (await conn.exec_driver_sql(MARK_PROCESSED, (consumer.name, [decoded.message_id]))).first()
    if marked is None:
        return  # handled meanwhile (the same message delivered again after it was fixed upstream)
    await subscription.handler(decoded.value, ctx)


async def _failed_again(
    consumer: Consumer, letter_id: int, reason: str, errors: list[dict[str, Any]], attempts: int
) -> None:
    async with consumer.engine.begin() as conn:
        await conn.exec_driver_sql(
            FAILED_AGAIN, (letter_id, reason[:2000], json.dumps(errors), attempts, consumer.clock.now())
        )
    log.warning(
        "dead letter retry failed",
        extra={"consumer": consumer.name, "letter_id": letter_id, "reason": reason, "attempts": attempts},
    )
