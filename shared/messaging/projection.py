"""The one projection recipe: how every read model keeps its rows from stored events.

A read model keeps one row per stream (a complaint's assignment, its revisit, its analytics
row), as of the stream version its row says. For a batch of stored events, in the consumer's
transaction (``Projection.handle``, the consumer's batch handler; ``Projection.project`` is steps
2–4 alone, for callers with their own transaction, e.g. a rebuild):

1. ``before`` (e.g. a shared advisory lock);
2. **one load** of the rows of the batch's streams, locked ``FOR UPDATE`` in key order (the keys
   come sorted; the model's statement orders by them), so two writers never deadlock;
3. for each event, in order (per stream, the batch is in stream order):

   * the row's version is at or past the event: **skipped** (a redelivery, a replay);
   * the event **follows** the row (by default: the row's next version; no row: version 1):
     **applied** with the model's pure ``apply``;
   * otherwise (the row is missing or behind: events were dead-lettered, the model started late,
     or the model needs what came before): **rebuilt** with the model's pure ``rebuild`` from the
     stream as the store holds it up to this event. Every stream that needs it is read in **one
     store read** for the batch, and the rest of that stream's events wait for it;

4. **one write** of every changed row (in key order), each once, as the batch leaves it;
5. ``after`` (e.g. NOTIFY), still in the transaction.

What a missing row means is the model's: ``apply`` and ``rebuild`` may return None (no row, e.g.
events of a complaint not yet received), ``follows`` says which events need no history, and
``write`` may leave a row unwritten (analytics holds a complaint not yet received in memory).
``apply`` returns the row itself for an event that changes nothing: such a row is not written.
The pure parts do no I/O: :class:`Batch` runs them (the unit tests drive it). Whatever a model
adds besides its row (analytics' timeline rows) travels in the row value it returns, and its
``write`` writes both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import RecordedEvent, UnknownEventType
from shared.eventstore import EventStore
from shared.messaging.consumer import HandlerContext, PoisonMessage

__all__ = ["Batch", "Outcome", "Projection", "StreamGap"]

R = TypeVar("R")


class StreamGap(PoisonMessage):
    """The store does not hold the stream up to an event the model must rebuild to: that event
    can never be applied (dead-lettered)."""


@dataclass
class Outcome(Generic[R]):
    """What a batch did."""

    changed: dict[str, R] = field(default_factory=dict)
    """The rows the batch changed, as handed to ``write``: stream id → row, in key order."""
    applied: int = 0
    """Events applied (with ``apply``, or with ``rebuild`` up to them)."""
    skipped: int = 0
    """Events the row was at or past already."""
    rebuilt: int = 0
    """Of the applied, those that needed the stream from the store."""


class Projection(ABC, Generic[R]):
    """A read model of one row (``R``) per stream; see the module docstring.

    A model declares how to ``load`` and ``write`` its rows, its row's ``version``, its pure
    ``apply`` and ``rebuild``, and may override ``follows`` and the ``before``/``after`` hooks.
    ``handle`` is its consumer batch handler; ``project`` the recipe without the hooks.
    """

    poison: ClassVar[tuple[type[Exception], ...]] = (UnknownEventType,)
    """Errors of the pure parts that mean the event can never be applied: ``handle`` turns them
    into :class:`PoisonMessage` (dead-lettered at once rather than retried)."""

    # ---- what a model declares ---------------------------------------------------------------

    @abstractmethod
    async def load(self, conn: AsyncConnection, keys: Sequence[str]) -> Mapping[str, R]:
        """The rows of these streams (sorted), locked ``FOR UPDATE`` in that order; absent: no row."""

    @abstractmethod
    async def write(self, conn: AsyncConnection, rows: Sequence[R]) -> None:
        """Write these rows (each changed, each once) in one statement per table."""

    @abstractmethod
    def version(self, row: R) -> int:
        """The stream version the row is as of."""

    @abstractmethod
    def apply(self, row: R | None, event: RecordedEvent) -> R | None:
        """Pure: the row after ``event``, which ``follows`` it. The row itself when the event
        changes nothing; None for no row (only where there is none)."""

    @abstractmethod
    def rebuild(self, row: R | None, history: Sequence[RecordedEvent]) -> R | None:
        """Pure: the row after ``history[-1]`` (the event at hand), given the stream as the store
        holds it from version 1 up to that event, and the row as loaded or left by the batch."""

    def follows(self, row: R | None, event: RecordedEvent) -> bool:
        """Whether ``apply`` can take ``event`` (newer than the row) without the stream's
        history: by default when it is the row's next version (no row: the stream's first)."""
        return (self.version(row) if row is not None else 0) + 1 == event.stream_version

    async def before(self, conn: AsyncConnection) -> None:
        """In the consumer's transaction, before the rows are loaded."""

    async def after(
        self, conn: AsyncConnection, events: Sequence[RecordedEvent], outcome: Outcome[R]
    ) -> None:
        """In the consumer's transaction, after the rows are written."""

    # ---- the recipe ----------------------------------------------------------------------------

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Consumer batch handler (``subscribe_events(..., batch_handler=model.handle)``)."""
        await self.before(ctx.connection)
        try:
            outcome = await self.project(ctx.connection, ctx.store, events)
        except self.poison as error:
            raise PoisonMessage(str(error)) from error
        await self.after(ctx.connection, events, outcome)

    async def project(
        self, conn: AsyncConnection, store: EventStore, events: Sequence[RecordedEvent]
    ) -> Outcome[R]:
        """Apply a batch (per stream in stream order) in ``conn``'s transaction: one load, at most
        one read of the store (``store`` bound to ``conn``), one write."""
        if not events:
            return Outcome()
        keys = sorted({event.stream_id for event in events})
        batch = Batch(self, await self.load(conn, keys), events)
        waiting = batch.advance({})
        if waiting:
            stored = await store.read_streams(waiting)
            batch.advance({key: stored.get(key, []) for key in waiting})
        outcome = batch.outcome()
        if outcome.changed:
            await self.write(conn, list(outcome.changed.values()))
        return outcome


@dataclass
class _Stream(Generic[R]):
    row: R | None
    events: list[RecordedEvent] = field(default_factory=list)
    done: int = 0
    """How many of ``events`` are handled."""
    changed: bool = False


class Batch(Generic[R]):
    """The pure part of the recipe: a batch's rows and events, advanced stream by stream."""

    def __init__(
        self, projection: Projection[R], rows: Mapping[str, R], events: Sequence[RecordedEvent]
    ) -> None:
        self.projection = projection
        self.streams: dict[str, _Stream[R]] = {}
        for event in events:
            key = event.stream_id
            stream = self.streams.get(key)
            if stream is None:
                stream = self.streams[key] = _Stream(rows.get(key))
            stream.events.append(event)
        self.applied = self.skipped = self.rebuilt = 0

    def advance(self, histories: Mapping[str, Sequence[RecordedEvent]]) -> list[str]:
        """Handle every event that can be; returns the streams (sorted) whose next event needs
        the stream's history, which ``histories`` (stream id → its stored events) does not give."""
        model = self.projection
        waiting: list[str] = []
        for key, stream in self.streams.items():
            while stream.done < len(stream.events):
                event = stream.events[stream.done]
                row = stream.row
                if row is not None and model.version(row) >= event.stream_version:
                    self.skipped += 1
                    stream.done += 1
                    continue
                if model.follows(row, event):
                    new = model.apply(row, event)
                else:
                    history = histories.get(key)
                    if history is None:
                        waiting.append(key)
                        break
                    new = model.rebuild(row, up_to(history, event))
                    self.rebuilt += 1
                self.applied += 1
                stream.done += 1
                if new is not None and new is not row:
                    stream.row = new
                    stream.changed = True
        return sorted(waiting)

    def outcome(self) -> Outcome[R]:
        waiting = [key for key, s in self.streams.items() if s.done < len(s.events)]
        if waiting:
            raise RuntimeError(f"streams {waiting} still wait for their history")
        changed = {key: s.row for key, s in sorted(self.streams.items()) if s.changed and s.row is not None}
        return Outcome(changed, self.applied, self.skipped, self.rebuilt)


def up_to(history: Sequence[RecordedEvent], event: RecordedEvent) -> Sequence[RecordedEvent]:
    """The stored stream from version 1 up to ``event``'s version (the store keeps versions
    1, 2, … with no hole); :class:`StreamGap` when it does not reach that far."""
    version = event.stream_version
    if len(history) < version or history[version - 1].stream_version != version:
        raise StreamGap(
            f"stream {event.stream_id}: the store does not hold version {version} "
            f"(event {event.event_id}, {event.type}), so it cannot be projected"
        )
    return history[:version]
