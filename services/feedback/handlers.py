"""Feedback's handlers: the revisit (回访) scheduled once the department replies, and the
complainant's answer recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.feedback import links, upgrades
from services.feedback.links import LinkStatus, SentVia
from services.feedback.schemas import QuestionnaireAnswer
from shared.clock import Clock
from shared.complaints.commands import Command, GiveFeedback, ScheduleRevisit
from shared.complaints.stages.eight_d import awaits_only_d8
from shared.complaints.stages.unresolvable import CloseAsUnresolvable
from shared.complaints.state import ComplaintState
from shared.complaints.values import RevisitChannel, Status
from shared.events import Actor, RecordedEvent, Role
from shared.eventstore import ConcurrencyError
from shared.eventstore.complaint_handling import ComplaintNotFound, Outcome, execute, load
from shared.eventstore.unit_of_work import UnitOfWork, UnitsOfWork
from shared.messaging.complaint_reactions import Reacted, Reactor

log = logging.getLogger(__name__)

FEEDBACK = Actor.service("feedback")


class ScheduleRevisitOnResolution(Reactor):
    """ComplaintResolved → RevisitScheduled, due ``delay`` after the resolution.

    Idempotent: the consumer handles each event once, and only a complaint still resolved and
    waiting for its revisit gets one (feedback may already have come in, or a later resolution
    already has its revisit).
    """

    name = "feedback"

    def __init__(self, delay: timedelta, clock: Clock) -> None:
        self.delay = delay
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        if state.status is not Status.RESOLVED:
            log.info(
                "no revisit to schedule",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return None
        resolved_at = state.resolved_at or event.occurred_at  # the latest resolution's time
        return ScheduleRevisit(actor=FEEDBACK, at=self.clock.now(), due_at=resolved_at + self.delay)

    def reacted(self, outcome: Reacted) -> None:
        command = outcome.command
        assert isinstance(command, ScheduleRevisit)
        log.info(
            "revisit scheduled",
            extra={
                "complaint_no": outcome.event.stream_id,
                "due_at": command.due_at.isoformat(),
                "stream_version": outcome.stream_version,
            },
        )


async def give_feedback(uow: UnitOfWork, clock: Clock, complaint_no: str, command: GiveFeedback) -> Outcome:
    """What the complainant said at the revisit: satisfied (or accepting the solution) closes the
    complaint, dissatisfied reopens it. Customer service revisits every department's complaints,
    so no complaint is hidden from the caller. Raises ComplaintNotFound."""
    return await execute(uow.store, complaint_no, command, clock=clock, attempts=uow.attempts)


async def close_as_unresolvable(
    uow: UnitOfWork, clock: Clock, complaint_no: str, command: CloseAsUnresolvable
) -> Outcome:
    """Close a complaint that cannot be resolved, with the reason and the follow-up plan (both
    required by the domain). Raises ComplaintNotFound."""
    return await execute(uow.store, complaint_no, command, clock=clock, attempts=uow.attempts)


AWAITING_REVISIT = frozenset({Status.RESOLVED, Status.REVISIT_PENDING})

QUESTIONNAIRE = Actor(role=Role.COMPLAINANT, id="questionnaire")
"""Who answers on the questionnaire: the complainant, known only by the link they hold."""


class AlreadyConfirmed(Exception):
    """The complainant already confirmed the solution; the complaint waits only for its 8D case
    to close (D8), so there is nothing left to ask."""


async def issue_link(
    uow: UnitOfWork, now: datetime, ttl: timedelta, complaint_no: str, issued_by: str, sent_via: SentVia
) -> tuple[str, links.RevisitLink] | None:
    """A new questionnaire link for a complaint awaiting its revisit: its token and row; None
    when the complaint is not awaiting one. Raises ComplaintNotFound, and AlreadyConfirmed when
    the complainant confirmed and the complaint only waits for its 8D case's D8."""
    state, _ = await load(uow.store, complaint_no)
    if not state.exists:
        raise ComplaintNotFound(complaint_no)
    if state.status not in AWAITING_REVISIT:
        return None
    if awaits_only_d8(state):
        raise AlreadyConfirmed(complaint_no)
    token, link = links.issue(complaint_no, now, ttl)
    await links.store(uow.connection, token, link, issued_by=issued_by, sent_via=sent_via)
    return token, link


@dataclass(frozen=True)
class Answered:
    """What came of a questionnaire answer: ``status`` of the link (open: the answer was
    decided, ``outcome`` says how), and whether an upgraded complaint was published."""

    status: LinkStatus
    complaint_no: str | None = None
    outcome: Outcome | None = None
    upgraded: bool = False


ANSWER_ATTEMPTS = 3


async def answer_questionnaire(
    units: UnitsOfWork, clock: Clock, token: str, answer: QuestionnaireAnswer, publish: upgrades.Publish
) -> Answered:
    """Record the complainant's answer once, through :func:`give_feedback` as an agent's call
    would be, and use the link up in the same transaction. A refused feedback (the revisit was
    completed another way) leaves the link as it was. The upgraded complaint, if asked for, is
    published before the transaction commits: a failed publish rolls the answer back, and a
    repeated one is the same submission to intake. A lost race (the revisit being scheduled at
    that moment) is decided again in a new transaction."""
    for attempt in range(1, ANSWER_ATTEMPTS + 1):
        try:
            async with units() as uow:
                return await _answer_once(uow, clock, token, answer, publish)
        except ConcurrencyError:
            if attempt == ANSWER_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _answer_once(
    uow: UnitOfWork, clock: Clock, token: str, answer: QuestionnaireAnswer, publish: upgrades.Publish
) -> Answered:
    conn, now = uow.connection, clock.now()
    link = await links.find(conn, token, lock=True)
    if link is None:
        return Answered(LinkStatus.UNKNOWN)
    status = link.status(now)
    if status is not LinkStatus.OPEN:
        return Answered(status, link.complaint_no)
    command = GiveFeedback(
        actor=QUESTIONNAIRE,
        at=now,
        satisfied=answer.satisfied,
        score=answer.score,
        comment=answer.comment or None,
        channel=RevisitChannel.QUESTIONNAIRE,
    )
    outcome = await give_feedback(uow, clock, link.complaint_no, command)
    if outcome.rejection is not None:
        return Answered(status, link.complaint_no, outcome)
    await links.mark_used(conn, token, now)
    upgraded = answer.upgrade and await upgrades.start(
        publish, conn, link.complaint_no, token, answer.comment
    )
    return Answered(status, link.complaint_no, outcome, upgraded)
