"""The projection recipe (shared/messaging/projection.py) on a toy read model, without a database.

The toy keeps, per stream, the types of the events it applied. An event of type ``early`` with
no row leaves none (as a complaint returned for correction before it is received); ``rebuild``
folds the stream from the store and marks the row as rebuilt, so a test can see which path ran.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.events import Actor, RecordedEvent, Role
from shared.messaging.consumer import HandlerContext, PoisonMessage
from shared.messaging.projection import Batch, Outcome, Projection, StreamGap

pytestmark = pytest.mark.unit

AT = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    stream: str
    version: int
    types: tuple[str, ...]
    rebuilt: bool = False


class Broken(ValueError):
    """What the toy's pure part raises for an event of type ``broken``."""


class Toy(Projection[Row]):
    poison = (Broken,)

    def __init__(self, table: dict[str, Row] | None = None) -> None:
        self.table: dict[str, Row] = table if table is not None else {}
        self.calls: list[tuple[str, Any]] = []

    async def load(self, conn: Any, keys: Sequence[str]) -> Mapping[str, Row]:
        self.calls.append(("load", list(keys)))
        return {key: self.table[key] for key in keys if key in self.table}

    async def write(self, conn: Any, rows: Sequence[Row]) -> None:
        self.calls.append(("write", list(rows)))
        for row in rows:
            self.table[row.stream] = row

    def version(self, row: Row) -> int:
        return row.version

    def follows(self, row: Row | None, event: RecordedEvent) -> bool:
        return (row is None and event.type == "early") or super().follows(row, event)

    def apply(self, row: Row | None, event: RecordedEvent) -> Row | None:
        if event.type == "broken":
            raise Broken(f"{event.stream_id} v{event.stream_version} is broken")
        if event.type == "noop":
            return row  # changes nothing: the row is not written for it
        if row is None:
            return None if event.type == "early" else Row(event.stream_id, 1, (_tag(event),))
        return Row(row.stream, event.stream_version, (*row.types, _tag(event)), row.rebuilt)

    def rebuild(self, row: Row | None, history: Sequence[RecordedEvent]) -> Row | None:
        kept = [e for e in history if e.type not in {"early", "noop"}]
        if not kept:
            return None
        last = history[-1]
        return Row(last.stream_id, last.stream_version, tuple(_tag(e) for e in kept), rebuilt=True)

    async def before(self, conn: Any) -> None:
        self.calls.append(("before", None))

    async def after(self, conn: Any, events: Sequence[RecordedEvent], outcome: Outcome[Row]) -> None:
        self.calls.append(("after", sorted(outcome.changed)))


def _tag(event: RecordedEvent) -> str:
    return f"{event.stream_id}:{event.stream_version}:{event.type}"


class Store:
    """The part of the event store the recipe uses, counting its reads."""

    def __init__(self, events: Iterable[RecordedEvent]) -> None:
        self.streams: dict[str, list[RecordedEvent]] = {}
        for event in events:
            self.streams.setdefault(event.stream_id, []).append(event)
        self.reads: list[list[str]] = []

    async def read_streams(self, stream_ids: Iterable[str]) -> dict[str, list[RecordedEvent]]:
        wanted = sorted(set(stream_ids))
        self.reads.append(wanted)
        return {s: list(self.streams[s]) for s in wanted if s in self.streams}


def event(stream: str, version: int, type: str = "happened") -> RecordedEvent:
    return RecordedEvent(
        event_id=uuid.uuid4(),
        stream_id=stream,
        stream_version=version,
        global_position=version,
        tx_id=1,
        type=type,
        schema_version=1,
        occurred_at=AT,
        recorded_at=AT,
        actor=Actor(role=Role.SERVICE, id="test"),
        correlation_id=uuid.uuid4(),
        payload={},
        hash="00" * 32,
    )


def stream(name: str, *types: str) -> list[RecordedEvent]:
    return [event(name, version, type) for version, type in enumerate(types, start=1)]


def tags(events: Iterable[RecordedEvent]) -> tuple[str, ...]:
    return tuple(_tag(e) for e in events)


# ---- the pure part: Batch ----------------------------------------------------------------------


def test_skips_what_the_row_has_applies_the_next_and_waits_for_history_when_behind() -> None:
    a, b, c = stream("a", "x", "y", "z"), stream("b", "x", "y", "z"), stream("c", "x", "y")
    rows = {"a": Row("a", 2, tags(a[:2])), "b": Row("b", 1, tags(b[:1]))}
    batch = Batch(Toy(), rows, [a[1], b[2], a[2], c[0], c[1]])  # a: old, next; b: behind; c: new

    waiting = batch.advance({})

    assert waiting == ["b"]
    assert batch.advance({"b": b}) == []
    outcome = batch.outcome()
    assert list(outcome.changed) == ["a", "b", "c"]  # key order
    assert outcome.changed["a"] == Row("a", 3, tags(a))
    assert outcome.changed["b"] == Row("b", 3, tags(b), rebuilt=True)
    assert outcome.changed["c"] == Row("c", 2, tags(c))
    assert (outcome.applied, outcome.skipped, outcome.rebuilt) == (4, 1, 1)


def test_a_stream_waiting_for_its_history_goes_no_further_until_it_has_it() -> None:
    a = stream("a", "x", "y", "z", "w")
    batch = Batch(Toy(), {}, a[2:])  # no row, and the batch starts at version 3

    assert batch.advance({}) == ["a"]
    with pytest.raises(RuntimeError):
        batch.outcome()
    batch.advance({"a": a})
    outcome = batch.outcome()

    assert outcome.changed["a"] == Row("a", 4, tags(a), rebuilt=True)  # rebuilt, then applied
    assert (outcome.applied, outcome.rebuilt) == (2, 1)


def test_events_before_a_row_exists_leave_none_until_the_model_says_so() -> None:
    early = stream("e", "early", "early", "x", "y")

    batch = Batch(Toy(), {}, early[:2])
    assert batch.advance({}) == []  # no history needed, no row made
    assert batch.outcome().changed == {}

    later = Batch(Toy(), {}, early[2:])  # the row starts at version 3: from the store
    later.advance({"e": early})
    assert later.outcome().changed["e"] == Row("e", 4, tags(early[2:]), rebuilt=True)


def test_an_event_that_changes_nothing_writes_nothing() -> None:
    a = stream("a", "x", "noop")
    batch = Batch(Toy(), {"a": Row("a", 1, tags(a[:1]))}, a[1:])
    batch.advance({})

    outcome = batch.outcome()
    assert outcome.changed == {}
    assert outcome.applied == 1


def test_a_history_without_the_event_is_a_stream_gap() -> None:
    a = stream("a", "x", "y", "z")
    batch = Batch(Toy(), {}, a[2:])
    batch.advance({})

    with pytest.raises(StreamGap) as gap:
        batch.advance({"a": a[:2]})  # the store ends at version 2
    assert isinstance(gap.value, PoisonMessage)


# ---- the recipe: one load, at most one store read, one write ----------------------------------


async def test_one_load_one_read_one_write_per_batch() -> None:
    a, b, c, d = (stream(s, "x", "y", "z") for s in "abcd")
    model = Toy({"a": Row("a", 3, tags(a)), "c": Row("c", 1, tags(c[:1])), "d": Row("d", 1, tags(d[:1]))})
    store = Store([*a, *b, *c, *d])

    await model.project(None, store, [d[2], a[2], b[2], c[1], b[1], c[2]])  # type: ignore[arg-type]

    assert [call[0] for call in model.calls] == ["load", "write"]
    assert model.calls[0] == ("load", ["a", "b", "c", "d"])  # sorted: rows are locked in key order
    assert store.reads == [["b", "d"]]  # every stream behind, in one read
    written = model.calls[1][1]
    assert [row.stream for row in written] == ["b", "c", "d"]  # a was at version 3 already
    assert model.table["b"] == Row("b", 3, tags(b), rebuilt=True)
    assert model.table["c"] == Row("c", 3, tags(c))


async def test_nothing_to_write_writes_nothing() -> None:
    a = stream("a", "x")
    model = Toy({"a": Row("a", 1, tags(a))})
    store = Store(a)

    outcome = await model.project(None, store, a)  # type: ignore[arg-type]

    assert [call[0] for call in model.calls] == ["load"]
    assert store.reads == []
    assert (outcome.applied, outcome.skipped) == (0, 1)


async def test_the_handler_runs_the_hooks_around_the_batch_and_turns_model_errors_into_poison() -> None:
    a = stream("a", "x", "broken")
    model = Toy()
    ctx = HandlerContext(None, Store(a))  # type: ignore[arg-type]

    await model.handle(a[:1], ctx)
    assert [call[0] for call in model.calls] == ["before", "load", "write", "after"]
    assert model.calls[-1] == ("after", ["a"])

    with pytest.raises(PoisonMessage, match="broken"):
        await model.handle(a[1:], ctx)


@pytest.mark.parametrize("seed", range(30))
async def test_a_batch_leaves_the_rows_one_event_at_a_time_would(seed: int) -> None:
    """Random streams (some starting with ``early``, some rows behind or ahead), delivered as one
    batch with redeliveries, or event by event: the same rows."""
    rng = random.Random(seed)
    streams: dict[str, list[RecordedEvent]] = {}
    for name in "abcdef":
        types = ["early"] * rng.choice([0, 0, 1, 2]) + ["x"] * rng.randint(1, 6)
        streams[name] = stream(name, *types)
    store = Store(e for s in streams.values() for e in s)
    table: dict[str, Row] = {}
    batch: list[RecordedEvent] = []
    for name, events in streams.items():
        start = rng.randint(0, len(events))  # the row as an earlier batch (or a rebuild) left it
        kept = [e for e in events[:start] if e.type != "early"]
        if kept:
            table[name] = Row(name, start, tags(kept))
        delivered_from = rng.randint(0, len(events) - 1)  # the consumer's position, maybe behind
        batch.extend(events[delivered_from:])
    batch = _interleave(rng, batch)
    redelivered = [*batch[: rng.randint(0, 3)]]

    together = Toy(dict(table))
    await together.project(None, store, _in_stream_order([*redelivered, *batch]))  # type: ignore[arg-type]
    one_by_one = Toy(dict(table))
    for one in _in_stream_order([*redelivered, *batch]):
        await one_by_one.project(None, store, [one])  # type: ignore[arg-type]

    assert _plain(together.table) == _plain(one_by_one.table)
    assert _plain(together.table) == _plain(_from_scratch(streams))


def _interleave(rng: random.Random, events: list[RecordedEvent]) -> list[RecordedEvent]:
    """A random interleaving of the streams, each in its own order."""
    queues: dict[str, list[RecordedEvent]] = {}
    for e in events:
        queues.setdefault(e.stream_id, []).append(e)
    out: list[RecordedEvent] = []
    while queues:
        name = rng.choice(sorted(queues))
        out.append(queues[name].pop(0))
        if not queues[name]:
            del queues[name]
    return out


def _in_stream_order(events: list[RecordedEvent]) -> list[RecordedEvent]:
    """What the consumer hands a projection: per stream ascending (a redelivery of an older
    event goes before the newer ones, as the consumer would have skipped it anyway)."""
    return sorted(events, key=lambda e: (e.stream_id, e.stream_version))


def _plain(table: dict[str, Row]) -> dict[str, tuple[int, tuple[str, ...]]]:
    return {k: (row.version, row.types) for k, row in table.items()}


def _from_scratch(streams: dict[str, list[RecordedEvent]]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for name, events in streams.items():
        kept = [e for e in events if e.type != "early"]
        if kept:
            rows[name] = Row(name, len(events), tags(kept))
    return rows
