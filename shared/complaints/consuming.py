"""The handler recipe inside a consumer: the event that caused the command, in its transaction."""

from __future__ import annotations

from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.handling import ComplaintNotFound, Outcome, execute
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, PoisonMessage


async def execute_caused_by(
    event: RecordedEvent, ctx: HandlerContext, command: Command, *, clock: Clock
) -> Outcome:
    """Decide and append on the event's complaint, atomically with the consumer's dedupe record.

    A lost race aborts the transaction (one attempt here; the consumer retries the message); a
    complaint that does not exist can never succeed, so the message is poison.
    """
    try:
        return await execute(ctx.store, event.stream_id, command, clock=clock, causation=event, attempts=1)
    except ComplaintNotFound as missing:
        raise PoisonMessage(str(missing)) from missing
