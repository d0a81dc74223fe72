"""The one handler recipe: load the stream → decide → append with the expected version.

Rejections are events too: a refused command appends its CommandRejected, so the audit trail
shows what was attempted. A service's command that is already done (``decide`` returns no event,
see :mod:`shared.complaints.decide`) appends nothing: ``Outcome.already_done``. A lost race
(another writer moved the stream) is retried on fresh state, unless the caller runs inside its
own transaction, whose retry is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.decide import decide
from shared.complaints.events import CommandRejected
from shared.complaints.state import ComplaintState, fold, fold_recorded
from shared.events import Event, NewEvent, RecordedEvent
from shared.eventstore import ConcurrencyError, EventStore


class ComplaintNotFound(LookupError):
    def __init__(self, complaint_no: str) -> None:
        super().__init__(f"no complaint {complaint_no}")
        self.complaint_no = complaint_no


@dataclass(frozen=True)
class Outcome:
    complaint_no: str
    decided: list[Event]
    recorded: list[RecordedEvent]
    state: ComplaintState

    @property
    def rejection(self) -> CommandRejected | None:
        first = self.decided[0] if self.decided else None
        return first if isinstance(first, CommandRejected) else None

    @property
    def already_done(self) -> bool:
        """A service's command whose effect was already there: nothing was appended."""
        return not self.decided

    @property
    def stream_version(self) -> int:
        return self.state.version


Visibility = Callable[[ComplaintState], bool]

Loaded = tuple[ComplaintState, list[RecordedEvent]]
"""A stream's state and its records (the first of them at least, for the correlation id)."""


def new_stream() -> Loaded:
    """What a stream whose id was allocated just now holds: nothing (see ``execute(current=...)``)."""
    return ComplaintState.initial(), []


def left_by(outcome: Outcome) -> Loaded:
    """The stream as ``outcome`` left it, for a further command in the same transaction. Its
    records are the outcome's own events: they carry the stream's correlation id, which is all
    ``execute`` takes from the records."""
    return outcome.state, outcome.recorded


async def load(store: EventStore, complaint_no: str) -> tuple[ComplaintState, list[RecordedEvent]]:
    records = await store.read_stream(complaint_no)
    return fold_recorded(records), records


async def execute(
    store: EventStore,
    complaint_no: str,
    command: Command,
    *,
    clock: Clock,
    causation: RecordedEvent | None = None,
    visible: Visibility | None = None,
    attempts: int = 3,
    current: Loaded | None = None,
) -> Outcome:
    """Decide and append one command. Raises ComplaintNotFound for a stream that does not
    exist (or that `visible` hides from the caller): nothing is appended for it.

    Inside a consumer's transaction (a bound store) pass attempts=1: a lost race aborts the
    transaction, and the consumer retries the whole message.

    ``current``: the stream as the caller already holds it in its transaction — :func:`new_stream`
    for a number it has just allocated, :func:`left_by` for a stream it has just opened — so the
    first attempt decides on it without reading the stream (one round trip fewer). Should the
    stream have moved all the same, the append's expected version refuses it (ConcurrencyError).
    """
    for attempt in range(1, attempts + 1):
        if attempt == 1 and current is not None:
            state, records = current
        else:
            state, records = await load(store, complaint_no)
        exists = state.exists
        if (not exists and not command.opens_stream) or (
            exists and visible is not None and not visible(state)
        ):
            raise ComplaintNotFound(complaint_no)
        decided = decide(state, command)
        if not decided:
            # already done: nothing to append, so no version to check (what is done stays done)
            return Outcome(complaint_no, [], [], state)
        correlation: UUID | None = None
        if causation is None and records:
            correlation = records[0].correlation_id  # one complaint, one correlation id
        new = [
            NewEvent.of(
                payload, actor=command.actor, clock=clock, causation=causation, correlation_id=correlation
            )
            for payload in decided
        ]
        try:
            result = await store.append(complaint_no, state.version, new)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            continue
        after = fold([(p, e.occurred_at) for p, e in zip(decided, new, strict=True)], state)
        return Outcome(complaint_no, decided, result.events, after)
    raise AssertionError("unreachable")
