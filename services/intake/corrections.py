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

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake import idempotency
from services.intake.numbers import next_number
from services.intake.schemas import IntakeMessage
from services.intake.submit import SubmissionRefused, Submissions, Submitter
from shared.clock import Clock
from shared.complaints.commands import LapseCorrection, ReturnForCorrection
from shared.complaints.stages.upgrade import LinkUpgradedComplaint
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import execute
from shared.eventstore.unit_of_work import UnitOfWork
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
    uow: UnitOfWork,
    message: IntakeMessage,
    submissions: Submissions,
    *,
    correction_hours: float,
) -> None:
    """Receive, return for correction, or ignore (received already) one Kafka submission.

    The submission is received through the one submission handler (:mod:`services.intake.submit`),
    its ``submission_id`` the idempotency key. Raises PoisonMessage (→ dead-letter topic, the
    reason starting with the refusal's code) when the channel may not submit on this channel,
    the correction already lapsed, the submission_id was used for a different submission
    (``idempotency_key_reused``), ``received_at`` lies outside the window
    (``received_at_too_old`` / ``received_at_in_future``, checked before a return for correction
    too), or the policy refuses the submission.
    """
    conn = uow.connection
    keys = {"channel_id": message.channel_id, "submission_id": message.submission_id}
    row = (await conn.execute(FIND, keys)).first()
    if row is not None and row.state == "lapsed":
        raise PoisonMessage(
            f"correction_lapsed: submission {message.submission_id} ({row.complaint_no}) was not "
            "corrected in time; submit it again with a new submission_id"
        )
    submitter = kafka_submitter(message.channel_id)
    if (
        row is not None
        and row.state == "received"
        and not await idempotency.held(conn, submitter.scope, message.submission_id)
    ):
        # received before its key was kept (what it held is unknown): as then, one complaint
        log.info(
            "a received Kafka submission sent again; kept as it was",
            extra={"complaint_no": row.complaint_no, "channel_id": message.channel_id},
        )
        return
    submission = message.submission()
    missing = submissions.policy.missing_fields(submission)
    try:
        if missing and (row is None or row.state == "awaiting_correction"):
            submissions.check_submitter(submission, submitter)
            # received_at within the window, as submit would check it: before a number is given out
            submissions.check_received_at(submission)
            if row is None:
                await _return_for_correction(conn, message, submissions, missing, correction_hours)
            return  # else still incomplete: it stays returned, with the first due time
        submitted = await submissions.submit(
            uow,
            submission,
            submitter,
            message.submission_id,
            complaint_no=row.complaint_no if row is not None and row.state != "received" else None,
        )
    except SubmissionRefused as refused:
        raise PoisonMessage(f"{refused.code}: {refused.message}") from None
    if submitted.replayed:
        return
    if row is None:
        await conn.execute(
            INSERT, {**keys, "no": submitted.complaint_no, "state": "received", "due_at": None}
        )
    else:
        await conn.execute(MARK, {"no": submitted.complaint_no, "state": "received"})
    if message.upgrade_of is not None:
        # in the receipt's transaction: an upgraded complaint is never left unlinked
        link = LinkUpgradedComplaint(actor=INTAKE, at=submissions.clock.now(), original=message.upgrade_of)
        await execute(uow.store, submitted.complaint_no, link, clock=submissions.clock, attempts=uow.attempts)


def kafka_submitter(channel_id: str) -> Submitter:
    """A channel system publishing on the intake topic: checked by its ``channel_id``, its
    submission_ids kept apart from other submitters' keys."""
    return Submitter(
        Actor(role=Role.CHANNEL, id=f"kafka:{channel_id}"), channel_id, scope=f"kafka:{channel_id}"
    )


async def _return_for_correction(
    conn: AsyncConnection,
    message: IntakeMessage,
    submissions: Submissions,
    missing: list[str],
    correction_hours: float,
) -> None:
    """A number at once, and ComplaintReturnedForCorrection on its new stream."""
    clock = submissions.clock
    submission = message.submission()
    now = clock.now()
    number = await next_number(conn, submission.received_at or now, submissions.zone)
    due_at = now + timedelta(hours=correction_hours)
    command = ReturnForCorrection(
        actor=kafka_submitter(message.channel_id).actor,
        at=now,
        complaint_no=number,
        channel=submission.channel,
        channel_id=message.channel_id,
        submission_id=message.submission_id,
        missing_fields=missing,
        due_at=due_at,
    )
    outcome = await execute(submissions.store.bound(conn), number, command, clock=clock, attempts=1)
    if outcome.rejection is not None:
        raise PoisonMessage(f"{outcome.rejection.reason_code}: {outcome.rejection.reason}")
    keys = {"channel_id": message.channel_id, "submission_id": message.submission_id}
    await conn.execute(INSERT, {**keys, "no": number, "state": "awaiting_correction", "due_at": due_at})


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
