"""The handler recipe inside a consumer: a service reacting to the events it sees with commands.

For a whole batch of events, in the consumer's transaction: one read of every complaint the
batch touches → for each event, in order, the reaction's command (or none) → ``decide`` on the
complaint's state as of then → one append of everything decided, to every complaint at once,
each with its expected version (a command already done, see :mod:`shared.complaints.decide`,
decides no event and appends nothing). A lost race (another writer moved a complaint meanwhile) aborts
the transaction and the consumer tries the batch again on fresh state; a complaint that does not
exist can never succeed, so its event is poison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry.trace import SpanKind

from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.decide import decide
from shared.complaints.state import ComplaintState, fold, fold_recorded
from shared.events import Event, NewEvent, RecordedEvent
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.eventstore.unit_of_work import UnitOfWork
from shared.messaging.consumer import PoisonMessage
from shared.service.tracing import context_from, tracer


@dataclass(frozen=True)
class Reacted:
    """What a reaction's command decided for one event, once it is appended."""

    event: RecordedEvent
    command: Command
    decided: list[Event]
    stream_version: int
    """The complaint's version after these events."""

    @property
    def already_done(self) -> bool:
        """The command's effect was already there: nothing was appended for it."""
        return not self.decided


class Reactor:
    """Base of a consumer handler that answers events with commands (see the module docstring).

    Subclasses implement ``react`` (and may override ``reacted``, called after the append, e.g.
    to log). An instance is a batch handler (``handle``) and, for one event, a plain handler.
    """

    name = "reactor"
    clock: Clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        raise NotImplementedError

    def reacted(self, outcome: Reacted) -> None:
        """Called for each command once everything decided is appended."""

    async def __call__(self, event: RecordedEvent, uow: UnitOfWork) -> None:
        await self.handle([event], uow)

    async def handle(self, events: Sequence[RecordedEvent], uow: UnitOfWork) -> None:
        """In a consumer, ``uow`` is its transaction (``HandlerContext``); in a unit test, a fake."""
        streams = await uow.store.read_streams({event.stream_id for event in events})
        states: dict[str, ComplaintState] = {}
        read_at: dict[str, int] = {}
        decided: dict[str, list[NewEvent]] = {}
        outcomes: list[Reacted] = []
        spans = tracer(self.name)
        for event in events:
            number = event.stream_id
            state = states.get(number)
            if state is None:
                state = fold_recorded(streams.get(number, []))
                if not state.exists:
                    raise PoisonMessage(str(ComplaintNotFound(number)))
                read_at[number] = state.version
            # the command, and the events it decides, continue the event's own trace
            with spans.start_as_current_span(
                f"{self.name} handle {event.type}",
                context=context_from(event.trace),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.message.id": str(event.event_id),
                    "tousu.stream_id": number,
                    "tousu.stream_version": event.stream_version,
                },
            ):
                command = await self.react(event, state)
                if command is None:
                    states[number] = state
                    continue
                payloads = decide(state, command)
                if not payloads:
                    states[number] = state
                    outcomes.append(Reacted(event, command, payloads, state.version))
                    continue
                new = [
                    NewEvent.of(payload, actor=command.actor, clock=self.clock, causation=event)
                    for payload in payloads
                ]
            states[number] = fold([(p, e.occurred_at) for p, e in zip(payloads, new, strict=True)], state)
            decided.setdefault(number, []).extend(new)
            outcomes.append(Reacted(event, command, payloads, states[number].version))
        if decided:
            await uow.store.append_many([(number, read_at[number], new) for number, new in decided.items()])
        for outcome in outcomes:
            self.reacted(outcome)
