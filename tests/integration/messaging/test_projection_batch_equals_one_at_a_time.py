"""Every read model, fed one batch, leaves exactly the rows that one event at a time leaves.

The batch holds several events of several complaints, interleaved (each complaint's in stream
order): a complaint seen whole; one whose row is behind (its middle events never came: rebuilt
from the store); one with events delivered again; one returned for correction before it was
received; one only ever returned for correction (no row); one revisited twice and one withdrawn
while its revisit was pending (the revisit list). Each read model starts from the same rows (a
prefix of some complaints projected and committed); the batch is projected in one transaction
(then rolled back), and the same events one per transaction; the rows must be equal (but for the
instants the database stamps: updated_at, created_at).
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.analytics.complaints.projection import AnalyticsProjection
from services.analytics.live.hub import CHANNEL
from services.feedback.projection import REVISIT_EVENTS, RevisitsProjection
from services.routing.projection import AssignmentsProjection
from shared.complaints import Command, CommandRejected, ComplaintState, ReceiveComplaint, Status
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.consumer import HandlerContext
from shared.messaging.projection import Projection
from tests.builders import (
    accept,
    apply,
    as_new,
    assign,
    at,
    feedback,
    lapse_correction,
    new_complaint_no,
    path_to,
    progress,
    receive,
    resolve,
    return_for_correction,
    schedule_revisit,
    withdraw,
)
from tests.builders import agent as agent_of
from tests.support.running import eventually

pytestmark = pytest.mark.integration

STAMPED = frozenset({"updated_at", "created_at"})
"""Columns the database fills with the transaction's instant."""


@dataclass(frozen=True)
class Model:
    projection: Projection[Any]
    tables: tuple[tuple[str, str], ...]
    """(table, ORDER BY) of each table the model writes."""
    types: frozenset[str] | None = None
    """The event types its consumer subscribes to (None: all)."""


MODELS = {
    "routing": Model(AssignmentsProjection(), (("routing_assignments", "complaint_no"),)),
    "feedback": Model(RevisitsProjection(), (("revisits", "complaint_no"),), REVISIT_EVENTS),
    "analytics": Model(
        AnalyticsProjection(),
        (("analytics_complaints", "complaint_no"), ("analytics_timeline", "complaint_no, stream_version")),
    ),
}


@pytest.fixture(scope="module")
async def engine(new_database) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database())
    yield engine
    await engine.dispose()


def revisited_twice() -> list[Command]:
    owner = agent_of("quality")
    return [
        *path_to(Status.RESOLVED, "quality"),
        schedule_revisit(when=at(hours=1), due=at(days=3)),
        feedback(satisfied=False, when=at(hours=2)),
        accept(by=owner, when=at(hours=3)),
        progress(by=owner, when=at(hours=4)),
        resolve(by=owner, when=at(hours=5)),
        schedule_revisit(when=at(hours=6), due=at(days=4)),
        feedback(satisfied=True, score=4, when=at(hours=7)),
    ]


def withdrawn_while_pending() -> list[Command]:
    owner = agent_of("after_sales")
    return [
        receive(),
        assign("after_sales"),
        accept(by=owner),
        progress(by=owner),
        resolve(by=owner, when=at(hours=1)),
        schedule_revisit(when=at(hours=2), due=at(days=3)),
        withdraw(when=at(hours=3)),
    ]


def lapsed(complaint_no: str) -> list[Command]:
    return [return_for_correction(complaint_no=complaint_no), lapse_correction()]


def corrected_then_received(complaint_no: str) -> list[Command]:
    return [
        return_for_correction(complaint_no=complaint_no),
        receive(when=at(minutes=30)),
        assign("logistics", when=at(minutes=31)),
        accept(by=agent_of("logistics"), when=at(minutes=40)),
    ]


async def store_stream(
    store: PostgresEventStore, complaint_no: str, commands: list[Command]
) -> list[RecordedEvent]:
    state, events = ComplaintState.initial(), []
    for command in commands:
        if isinstance(command, ReceiveComplaint):
            command = receive(complaint_no=complaint_no, by=command.actor, when=command.at)
        state, decided = apply(state, command)
        assert not any(isinstance(e, CommandRejected) for e in decided), (command.name(), decided)
        events += [as_new(event, by=command.actor, when=command.at) for event in decided]
    return (await store.append(complaint_no, NO_STREAM, events)).events


@dataclass
class Scenario:
    streams: dict[str, list[RecordedEvent]]
    """Name → the whole stream, as stored."""
    prefix: list[RecordedEvent]
    """Projected and committed before either arm."""
    batch: list[RecordedEvent]

    @property
    def numbers(self) -> list[str]:
        return [s[0].stream_id for s in self.streams.values()]


@pytest.fixture(scope="module")
async def scenario(engine: AsyncEngine) -> Scenario:
    store = PostgresEventStore(engine)
    streams: dict[str, list[RecordedEvent]] = {}
    for name, commands in (
        ("whole", lambda _: revisited_twice()),
        ("behind", lambda _: revisited_twice()),
        ("again", lambda _: revisited_twice()),
        ("withdrawn", lambda _: withdrawn_while_pending()),
        ("corrected", corrected_then_received),
        ("lapsed", lapsed),
    ):
        number = new_complaint_no()
        streams[name] = await store_stream(store, number, commands(number))

    behind, again, withdrawn = streams["behind"], streams["again"], streams["withdrawn"]
    revisit_at = next(e.stream_version for e in behind if e.type == "RevisitScheduled")
    prefix = [*behind[:2], *again[: revisit_at + 1], *withdrawn[:3]]
    per_stream = [
        streams["whole"],
        behind[revisit_at - 1 :],  # versions 3 … revisit_at - 1 never came
        again[revisit_at - 2 :],  # three already applied: delivered again
        withdrawn[3:],
        streams["corrected"],
        streams["lapsed"],
    ]
    batch = interleaved(random.Random(20260105), per_stream)
    return Scenario(streams, prefix, batch)


def interleaved(rng: random.Random, streams: Sequence[Sequence[RecordedEvent]]) -> list[RecordedEvent]:
    queues = [list(s) for s in streams if s]
    out: list[RecordedEvent] = []
    while queues:
        queue = rng.choice(queues)
        out.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return out


async def project(
    engine: AsyncEngine, model: Model, events: Sequence[RecordedEvent], conn: AsyncConnection
) -> None:
    wanted = [e for e in events if model.types is None or e.type in model.types]
    if wanted:
        await model.projection.handle(wanted, HandlerContext(conn, PostgresEventStore(engine).bound(conn)))


async def rows(conn: AsyncConnection, model: Model, numbers: list[str]) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for table, order in model.tables:
        query = text(f"SELECT * FROM {table} WHERE complaint_no = ANY(:n) ORDER BY {order}")
        result = (await conn.execute(query, {"n": numbers})).mappings().all()
        found[table] = [{k: v for k, v in r.items() if k not in STAMPED} for r in result]
    return found


@pytest.mark.parametrize("name", list(MODELS))
async def test_one_batch_leaves_the_rows_one_event_at_a_time_leaves(
    engine: AsyncEngine, scenario: Scenario, name: str
) -> None:
    model = MODELS[name]
    async with engine.begin() as conn:
        await project(engine, model, scenario.prefix, conn)

    async with engine.connect() as conn:
        before = await rows(conn, model, scenario.numbers)
    async with engine.connect() as conn, conn.begin() as transaction:
        await project(engine, model, scenario.batch, conn)
        together = await rows(conn, model, scenario.numbers)
        await transaction.rollback()
    for event in scenario.batch:
        async with engine.begin() as conn:
            await project(engine, model, [event], conn)
    async with engine.connect() as conn:
        one_at_a_time = await rows(conn, model, scenario.numbers)

    assert together == one_at_a_time
    assert together != before
    # and they are the rows of the whole streams: every complaint with a row has one at the
    # version of its last event the model takes
    first, *_ = (found for found in together.values())
    versions = {r["complaint_no"]: r.get("stream_version", r.get("version")) for r in first}
    assert versions == expected_versions(model, scenario)
    if name == "analytics":
        timeline: dict[str, list[int]] = {}
        for r in together["analytics_timeline"]:
            timeline.setdefault(r["complaint_no"], []).append(r["stream_version"])
        assert timeline == {no: list(range(1, v + 1)) for no, v in versions.items()}
    if name == "feedback":
        rounds = {r["complaint_no"]: r["rounds"] for r in first}
        assert sorted(rounds.values()) == [1, 2, 2, 2]  # withdrawn once; the others revisited twice


def expected_versions(model: Model, scenario: Scenario) -> dict[str, int]:
    """Per complaint with a row: the version of its last event of the model's types."""
    starts = "RevisitScheduled" if model.types == REVISIT_EVENTS else "ComplaintReceived"
    expected = {}
    for stream in scenario.streams.values():
        taken = [e for e in stream if model.types is None or e.type in model.types]
        if any(e.type == starts for e in stream):
            expected[stream[0].stream_id] = taken[-1].stream_version
    return expected


async def test_the_dashboards_hear_of_each_complaint_a_batch_changed(engine: AsyncEngine) -> None:
    store = PostgresEventStore(engine)
    received = await store_stream(store, new_complaint_no(), path_to(Status.ACCEPTED))
    lapsed_no = new_complaint_no()
    returned = await store_stream(store, lapsed_no, lapsed(lapsed_no))
    heard: list[dict[str, Any]] = []
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    listener = await asyncpg.connect(dsn)
    try:
        await listener.add_listener(CHANNEL, lambda *args: heard.append(json.loads(args[-1])))
        projection = AnalyticsProjection()
        async with engine.begin() as conn:
            await projection.handle([*received, *returned], HandlerContext(conn, store.bound(conn)))
        async with engine.begin() as conn:  # the same again: nothing changes, nothing to hear
            await projection.handle(received, HandlerContext(conn, store.bound(conn)))
        async with engine.begin() as conn:  # delivered after the above (commit order)
            await conn.execute(text('SELECT pg_notify(:c, \'{"complaint_no": "end"}\')'), {"c": CHANNEL})

        async def told() -> bool:
            return any(m["complaint_no"] == "end" for m in heard)

        await eventually(told, what="the notifications")
        mine = [m for m in heard if m["complaint_no"] in {received[0].stream_id, lapsed_no}]
        assert mine == [
            {
                "complaint_no": received[0].stream_id,
                "version": len(received),
                "status": "accepted",
                "department": "quality",
                "cooperating": [],
                "type": received[-1].type,
            }
        ]
    finally:
        await listener.close()
