"""Routing's handlers: dispatch (分类派单) of every received complaint by the rule table, and the
green channel (绿色通道) of urgent ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.routing.notifier import GREEN_CHANNEL_ROLES, Directory, Notifier, UrgentNotification
from services.routing.rules import RuleTable
from shared.clock import Clock
from shared.complaints.commands import AssignComplaint, Command
from shared.complaints.events import COMPLAINT_EVENTS, CommandRejected, ComplaintReceived
from shared.complaints.stages.green_channel import GREEN_CHANNEL_GRADES, GreenChannelOpened, OpenGreenChannel
from shared.complaints.state import ComplaintState
from shared.complaints.values import Status
from shared.events import Actor, RecordedEvent
from shared.eventstore.unit_of_work import UnitOfWork
from shared.messaging.complaint_reactions import Reacted, Reactor
from shared.messaging.consumer import HandlerContext, PoisonMessage

log = logging.getLogger(__name__)

ROUTING = Actor.service("routing")

IMPORTED_RULE = "imported"
"""The ``rule`` of an assignment to the department an imported complaint's records name."""


class AssignOnReceipt(Reactor):
    """ComplaintReceived → ComplaintAssigned to the department the first matching rule names.

    Idempotent: the consumer handles each event once, and a complaint that is no longer waiting
    for dispatch (already assigned, or closed meanwhile) is left alone.
    """

    name = "routing"

    def __init__(self, rules: RuleTable, clock: Clock) -> None:
        self.rules = rules
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        received = COMPLAINT_EVENTS.decode(event)
        if not isinstance(received, ComplaintReceived):
            raise PoisonMessage(f"expected ComplaintReceived, got {event.type}")
        if state.status is not Status.RECEIVED:
            log.info(
                "complaint no longer waits for dispatch",
                extra={"complaint_no": event.stream_id, "status": state.status and state.status.value},
            )
            return None
        history = received.imported
        if history is not None and history.department is not None:
            # an open complaint imported with its department stays with it (the records' choice)
            return AssignComplaint(
                actor=ROUTING, at=self.clock.now(), department=history.department, rule=IMPORTED_RULE
            )
        decision = self.rules.route(received)
        return AssignComplaint(
            actor=ROUTING,
            at=self.clock.now(),
            department=decision.department,
            rule=decision.rule,
            note=decision.note,
            cooperating=list(decision.cooperating),
        )

    def reacted(self, outcome: Reacted) -> None:
        command = outcome.command
        assert isinstance(command, AssignComplaint)
        rejection = next((e for e in outcome.decided if isinstance(e, CommandRejected)), None)
        log.info(
            "complaint assigned",
            extra={
                "complaint_no": outcome.event.stream_id,
                "department": command.department,
                "rule": command.rule,
                "stream_version": outcome.stream_version,
                "rejected": rejection.reason_code if rejection else None,
            },
        )


GREEN_CHANNEL_TRIGGERS = frozenset({"ComplaintAssigned", "ComplaintTransferred", "ComplaintRegraded"})
"""The events after which an urgent complaint's department is known, or may have changed, or the
complaint may have become urgent."""


class GreenChannelOnUrgency(Reactor):
    """An urgent or level-3 complaint with a department → GreenChannelOpened naming who was told
    (the department's head and the supervisors), and then the notifier tells them.

    Routing owns it because routing decides the department: the head to tell is known at the
    assignment (and changes with a transfer). Idempotent twice over: the consumer handles each
    event once, and the decision opens the channel once per department (a redelivered event, a
    regrade back and forth, a restart decide nothing). Notifications are sent only for what this
    transaction appended, after it commits (see services/routing/notifier.py).
    """

    name = "routing-green-channel"

    def __init__(self, notifier: Notifier, directory: Directory, clock: Clock) -> None:
        self.notifier = notifier
        self.directory = directory
        self.clock = clock
        self._told: list[UrgentNotification] = []

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        # ``state`` is the complaint as the store holds it now, so the current department and
        # grade decide, whichever event arrived.
        if state.department is None or state.grade not in GREEN_CHANNEL_GRADES:
            return None
        if state.green_channel_department == state.department or not state.is_open:
            return None
        recipients = self.directory.recipients(state.department)
        return OpenGreenChannel(
            actor=ROUTING,
            at=self.clock.now(),
            department=state.department,
            notified_roles=[role.value for role in GREEN_CHANNEL_ROLES],
            notified=[r.subject for r in recipients],
        )

    def reacted(self, outcome: Reacted) -> None:
        opened = next((e for e in outcome.decided if isinstance(e, GreenChannelOpened)), None)
        if opened is None:
            return
        for recipient in self.directory.recipients(opened.department):
            self._told.append(
                UrgentNotification(outcome.event.stream_id, opened.grade.value, opened.department, recipient)
            )
        log.info(
            "green channel opened",
            extra={"complaint_no": outcome.event.stream_id, "department": opened.department},
        )

    async def handle(self, events: Sequence[RecordedEvent], uow: UnitOfWork) -> None:
        self._told = []
        await super().handle(events, uow)
        told, self._told = self._told, []
        if not told:
            return
        if isinstance(uow, HandlerContext):
            uow.after_commit(lambda: self._send(told))
        else:  # a unit of work that commits as it goes (a unit test's): what was appended stays
            await self._send(told)

    async def _send(self, notifications: list[UrgentNotification]) -> None:
        for notification in notifications:
            try:
                await self.notifier.notify(notification)
            except Exception:
                log.exception(
                    "a green channel notification could not be sent",
                    extra={"complaint_no": notification.complaint_no, "to_role": notification.to.role.value},
                )
