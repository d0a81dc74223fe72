"""Kafka submissions that lack required fields: returned for correction (退回补正), corrected, or
lapsed.

A channel that publishes a submission without the fields the policy requires gets a complaint
number at once and ``ComplaintReturnedForCorrection`` (the missing fields, ``due_at`` = now +
``TOUSU_INTAKE_CORRECTION_HOURS``, default 24 h) on the complaint events topic. Re-sending the
same ``submission_id`` with the fields receives it on that same stream (``ComplaintReceived``).
Otherwise, at ``due_at`` the lapse poller records ``ComplaintCorrectionLapsed`` and the stream
ends. ``intake_submissions`` remembers every Kafka submission by (channel_id, submission_id): it
keeps one submission to one complaint, and it is the due table the poller follows.

The poller takes due rows with ``FOR UPDATE SKIP LOCKED`` (several intake processes share the
work), appends the lapse and marks the row in one transaction, so a crash lapses nothing or
everything of a batch, and a restart simply picks the rows up again. A correction arriving at the
same moment locks the same row: whichever commits first wins, and the other sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.duplicates import DuplicateCheck
from services.intake.numbers import next_number
from services.intake.policy import GradingPolicy
from services.intake.receive import SubmissionRefused, check_received_at, receive
from services.intake.submission import IntakeMessage
from services.intake.submitters import may_submit, refusal
from services.intake.window import LIVE_WINDOW, ReceivedWindow
from shared.clock import Clock
from shared.complaints.commands import LapseCorrection, ReturnForCorrection
from shared.complaints.handling import execute
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.messaging.consumer import PoisonMessage

log = logging.getLogger(__name__)

INTAKE = Actor.service("intake")

FIND = text(
    "SELECT complaint_no, state FROM intake_submissions "
    "WHERE channel_id = :channel_id AND submission_id = :submission_id FOR UPDATE"
)
INSERT = text(
    "INSERT INTO intake_submissions (channel_id, submission_id, complaint_no, state, due_at) "
    "VALUES (:channel_id, :submission_id, :no, :state, :due_at)"
)
MARK = text("UPDATE intake_submissions SET state = :state WHERE complaint_no = :no")
DUE = text(
    "SELECT complaint_no FROM intake_submissions WHERE state = 'awaiting_correction' AND due_at <= :now "
    "ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)


async def take_submission(
    conn: AsyncConnection,
    store: PostgresEventStore,
    message: IntakeMessage,
    *,
    policy: GradingPolicy,
    clock: Clock,
    zone: ZoneInfo,
    correction_hours: float,
    duplicates: DuplicateCheck | None,
    window: ReceivedWindow = LIVE_WINDOW,
) -> None:
    """Receive, return for correction, or ignore (already received) one Kafka submission.

    Raises PoisonMessage (→ dead-letter topic with the reason) when the channel may not submit
    on this channel, the correction already lapsed, or the policy refuses the submission.
    """
    if not may_submit(policy.submitters, message.channel, Role.CHANNEL, message.channel_id):
        raise PoisonMessage(refusal(message.channel, Role.CHANNEL, message.channel_id)["message"])
    keys = {"channel_id": message.channel_id, "submission_id": message.submission_id}
    row = (await conn.execute(FIND, keys)).first()
    if row is not None and row.state == "received":
        return  # a redelivery, or a re-send of a received submission: one complaint per submission
    if row is not None and row.state == "lapsed":
        raise PoisonMessage(
            f"correction_lapsed: submission {message.submission_id} ({row.complaint_no}) was not "
            "corrected in time; submit it again with a new submission_id"
        )
    actor = Actor(role=Role.CHANNEL, id=f"kafka:{message.channel_id}")
    submission = message.submission()
    try:
        check_received_at(submission, clock.now(), window)
    except SubmissionRefused as refused:  # before a number is given out for it
        raise PoisonMessage(f"{refused.code}: {refused.message}") from None
    missing = policy.missing_fields(submission)
    if missing:
        if row is not None:
            return  # still incomplete: it stays returned, with the first due time
        now = clock.now()
        number = await next_number(conn, submission.received_at or now, zone)
        due_at = now + timedelta(hours=correction_hours)
        command = ReturnForCorrection(
            actor=actor,
            at=now,
            complaint_no=number,
            channel=submission.channel,
            channel_id=message.channel_id,
            submission_id=message.submission_id,
            missing_fields=missing,
            due_at=due_at,
        )
        outcome = await execute(store.bound(conn), number, command, clock=clock, attempts=1)
        if outcome.rejection is not None:
            raise PoisonMessage(outcome.rejection.reason)
        await conn.execute(INSERT, {**keys, "no": number, "state": "awaiting_correction", "due_at": due_at})
        return
    try:
        outcome = await receive(
            conn,
            store,
            submission,
            policy=policy,
            actor=actor,
            clock=clock,
            zone=zone,
            submission_id=message.submission_id,
            complaint_no=row.complaint_no if row is not None else None,
            window=window,
            duplicates=duplicates,
        )
    except SubmissionRefused as refused:
        raise PoisonMessage(f"{refused.code}: {refused.message}") from None
    if outcome.rejection is not None:
        raise PoisonMessage(outcome.rejection.reason)
    if row is None:
        await conn.execute(INSERT, {**keys, "no": outcome.complaint_no, "state": "received", "due_at": None})
    else:
        await conn.execute(MARK, {"no": outcome.complaint_no, "state": "received"})


class CorrectionLapser:
    """Records ComplaintCorrectionLapsed for every returned submission past its due time."""

    def __init__(self, engine: AsyncEngine, store: PostgresEventStore, clock: Clock, batch_size: int = 100):
        self.engine = engine
        self.store = store
        self.clock = clock
        self.batch_size = batch_size

    async def lapse_due(self) -> int:
        """Lapse one batch of due corrections; returns how many were handled."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            rows = (await conn.execute(DUE, {"now": now, "limit": self.batch_size})).all()
            for row in rows:
                command = LapseCorrection(actor=INTAKE, at=now)
                outcome = await execute(
                    self.store.bound(conn), row.complaint_no, command, clock=self.clock, attempts=1
                )
                # refused: the stream was received after all (the table was behind); follow the stream
                state = "lapsed" if outcome.rejection is None else "received"
                await conn.execute(MARK, {"no": row.complaint_no, "state": state})
        return len(rows)


def lapse_loop(lapser: CorrectionLapser, tick_seconds: float) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        while True:
            try:
                while await lapser.lapse_due() >= lapser.batch_size:
                    pass
            except Exception:  # a database outage: try again on the next tick
                log.exception("lapsing due corrections failed")
            await asyncio.sleep(tick_seconds)

    return run
