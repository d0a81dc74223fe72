"""Intake's handlers, one per command or event, whatever the entrypoint: a submission on Kafka
(through :func:`services.intake.corrections.take_submission`), the acknowledgement of a received
complaint, a merge of duplicates, the anonymous submitter's feedback.

The submission itself — HTTP, Kafka, email and ``tousu import`` all hand it to the same handler —
is :class:`services.intake.submit.Submissions`, in a module of its own for its size.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.intake.corrections import take_submission
from services.intake.notifier import Notifier, RiskNotifier
from services.intake.risk import RiskFacts, RiskRules
from services.intake.schemas import IntakeMessage
from services.intake.submit import Submissions
from shared.clock import Clock
from shared.complaints.commands import (
    AcknowledgeComplaint,
    Command,
    GiveFeedback,
    MergeComplaint,
    RecordMergedDuplicate,
)
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintReceived
from shared.complaints.stages.risk import ComplaintRiskFlagged, FlagRiskAutomatically
from shared.complaints.state import ComplaintState
from shared.events import Actor, RecordedEvent
from shared.eventstore import ConcurrencyError
from shared.eventstore.complaint_handling import Outcome, execute, load
from shared.eventstore.unit_of_work import UnitOfWork, UnitsOfWork
from shared.messaging.complaint_reactions import Reactor

SERVICE = Actor.service("intake")


class SubmissionHandler:
    """The intake topic's consumer handler: each submission through :func:`take_submission`."""

    def __init__(self, submissions: Submissions, *, correction_hours: float = 24) -> None:
        self.submissions = submissions
        self.correction_hours = correction_hours

    async def __call__(self, message: IntakeMessage, uow: UnitOfWork) -> None:
        await take_submission(  # PoisonMessage → the dead-letter topic, with the reason
            uow, message, self.submissions, correction_hours=self.correction_hours
        )


class AcknowledgementHandler(Reactor):
    """ComplaintReceived → the complainant is told (the notifier), then ComplaintAcknowledged.

    An imported complaint (history, ``tousu import``) is not acknowledged: nobody is written to
    about it.

    The SLA service acknowledges a complaint received out of hours itself, and may come first
    (a backdated complaint's limit has run out on arrival): a complaint already acknowledged is
    neither told again nor acknowledged again; and should the command meet an acknowledgement
    all the same, it is already done and appends nothing (a service's idempotent no-op is no
    CommandRejected: see :mod:`shared.complaints.decide`).
    """

    name = "intake"

    def __init__(self, notifier: Notifier, clock: Clock) -> None:
        self.notifier = notifier
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        received = COMPLAINT_EVENTS.decode(event)
        assert isinstance(received, ComplaintReceived)
        if received.imported is not None:
            return None  # history (tousu import): its complainant was answered back then, if ever
        if state.acknowledged:
            return None
        template = await self.notifier.acknowledge(received.complaint_no, received.channel.value)
        return AcknowledgeComplaint(
            actor=SERVICE, at=self.clock.now(), via=self.notifier.name, message_key=template
        )


class RiskOnRegrade(Reactor):
    """ComplaintRegraded → the risk rules again, with the facts the state keeps (the channel and
    the new grade; services/intake/risk.py says why the text and the recurrence count are not
    among them): the rules that fire now and were not flagged before flag it."""

    name = "intake-risk"

    def __init__(self, risk: RiskRules, clock: Clock) -> None:
        self.risk = risk
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        fired = self.risk.fired(RiskFacts(state.channel, state.grade))
        new = [rule for rule in fired if rule not in state.risk_flags]
        if not new or not state.is_open:
            return None
        return FlagRiskAutomatically(actor=SERVICE, at=self.clock.now(), rules=new)


class RiskWatch:
    """The risk consumer: regrades are evaluated again (:class:`RiskOnRegrade`), and every flag,
    automatic or by hand, is sent to the public-relations owner (the notifier). In the
    consumer's transaction: a failed batch is handled again, so the PR owner hears of a flag at
    least once."""

    def __init__(self, risk: RiskRules, notifier: RiskNotifier, clock: Clock) -> None:
        self.regrades = RiskOnRegrade(risk, clock)
        self.notifier = notifier

    async def handle(self, events: Sequence[RecordedEvent], uow: UnitOfWork) -> None:
        regraded = [event for event in events if event.type == "ComplaintRegraded"]
        if regraded:
            await self.regrades.handle(regraded, uow)
        for event in events:
            if event.type != ComplaintRiskFlagged.__name__:
                continue
            flagged = COMPLAINT_EVENTS.decode(event)
            assert isinstance(flagged, ComplaintRiskFlagged)
            await self.notifier.notify_pr_owner(event.stream_id, list(flagged.rules), flagged.source.value)


MERGE_ATTEMPTS = 3


async def merge(
    units: UnitsOfWork, clock: Clock, actor: Actor, complaint_no: str, into: str, reason: str
) -> Outcome:
    """Merge duplicate ``complaint_no`` into ``into``: both streams in one unit of work, the
    duplicate ends (ComplaintMerged) and the survivor records it (DuplicateMergedInto), or neither.
    A lost race (another writer moved one of the two streams) is decided again. Raises
    ComplaintNotFound; the outcome is the duplicate's."""
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        try:
            async with units() as uow:
                return await _merge_once(uow, clock, actor, complaint_no, into, reason)
        except ConcurrencyError:
            if attempt == MERGE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _merge_once(
    uow: UnitOfWork, clock: Clock, actor: Actor, complaint_no: str, into: str, reason: str
) -> Outcome:
    """The survivor's status is read here so that decide() stays pure."""
    survivor, _ = await load(uow.store, into)
    now = clock.now()
    command = MergeComplaint(
        actor=actor,
        at=now,
        into=into,
        reason=reason,
        into_status=survivor.status if survivor.exists else None,
    )
    outcome = await execute(uow.store, complaint_no, command, clock=clock, attempts=1)
    if outcome.rejection is None:
        record = RecordMergedDuplicate(actor=actor, at=now, duplicate=complaint_no, reason=reason)
        await execute(uow.store, into, record, clock=clock, attempts=1)
    return outcome


async def give_feedback(uow: UnitOfWork, clock: Clock, complaint_no: str, command: GiveFeedback) -> Outcome:
    """The anonymous submitter's answer to the revisit (the follow-up code was checked by the
    caller). Raises ComplaintNotFound."""
    return await execute(uow.store, complaint_no, command, clock=clock, attempts=uow.attempts)
