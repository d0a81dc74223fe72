"""Receiving a complaint: allocate its number, decide, append — inside the caller's transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.numbers import next_number
from services.intake.submission import ComplaintSubmission
from shared.clock import Clock
from shared.complaints.commands import ReceiveComplaint
from shared.complaints.handling import Outcome, execute
from shared.events import Actor
from shared.eventstore import PostgresEventStore


async def receive(
    conn: AsyncConnection,
    store: PostgresEventStore,
    submission: ComplaintSubmission,
    *,
    actor: Actor,
    clock: Clock,
    zone: ZoneInfo,
    submission_id: str | None = None,
) -> Outcome:
    now = clock.now()
    complaint_no = await next_number(conn, submission.received_at or now, zone)
    command = ReceiveComplaint(
        actor=actor,
        at=now,
        complaint_no=complaint_no,
        submission_id=submission_id,
        **submission.model_dump(),
    )
    return await execute(store.bound(conn), complaint_no, command, clock=clock, attempts=1)
