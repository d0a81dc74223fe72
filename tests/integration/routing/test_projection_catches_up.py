"""The assignments projection applies each event once, in stream order, and rebuilds a row from
the event store when it missed events (one was dead-lettered, or it starts late)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.routing.projection import AssignmentsProjection
from shared.complaints import ComplaintState
from shared.complaints.values import Status
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.consumer import HandlerContext
from shared.messaging.dead_letters import Origin
from tests.builders import apply, as_new, history_to, new_complaint_no, receive, return_for_correction

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def engine(new_database) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database())
    yield engine
    await engine.dispose()


async def deliver(engine: AsyncEngine, event: RecordedEvent) -> None:
    async with engine.begin() as conn:
        origin = Origin("events", 0, 0, event.stream_id.encode(), ())
        ctx = HandlerContext(conn, PostgresEventStore(engine).bound(conn), origin)
        await AssignmentsProjection().handle([event], ctx)


async def row(engine: AsyncEngine, complaint_no: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT * FROM routing_assignments WHERE complaint_no = :no"), {"no": complaint_no}
        )
        found = result.mappings().first()
    return dict(found) if found else None


async def stored(engine: AsyncEngine, status: Status) -> list[RecordedEvent]:
    complaint_no = new_complaint_no()
    result = await PostgresEventStore(engine).append(
        complaint_no, NO_STREAM, history_to(status, "quality", complaint_no=complaint_no)
    )
    return result.events


async def test_events_in_order_apply_one_by_one(engine: AsyncEngine) -> None:
    events = await stored(engine, Status.IN_PROGRESS)
    for event in events:
        await deliver(engine, event)

    found = await row(engine, events[0].stream_id)

    assert found is not None
    assert (found["status"], found["department"], found["agent"]) == ("in_progress", "quality", "agent-1")
    assert found["stream_version"] == 4
    assert found["assigned_at"] == events[1].occurred_at
    assert found["subject"] == events[0].payload["subject"]


async def test_a_missed_event_is_made_up_from_the_store(engine: AsyncEngine) -> None:
    received, assigned, _accepted, progressed = await stored(engine, Status.IN_PROGRESS)
    await deliver(engine, received)

    await deliver(engine, progressed)  # assigned and accepted never arrived

    found = await row(engine, received.stream_id)
    assert found is not None
    assert (found["status"], found["department"], found["stream_version"]) == ("in_progress", "quality", 4)
    assert found["assigned_at"] == assigned.occurred_at


async def test_old_and_repeated_events_change_nothing(engine: AsyncEngine) -> None:
    events = await stored(engine, Status.ACCEPTED)
    for event in events:
        await deliver(engine, event)
    before = await row(engine, events[0].stream_id)

    await deliver(engine, events[1])  # an old ComplaintAssigned
    await deliver(engine, events[2])  # the last one again

    assert await row(engine, events[0].stream_id) == before


async def test_a_stream_returned_for_correction_is_listed_once_received(engine: AsyncEngine) -> None:
    complaint_no = new_complaint_no()
    state = ComplaintState.initial()
    events = []
    for command in (return_for_correction(complaint_no=complaint_no), receive(complaint_no=complaint_no)):
        state, decided = apply(state, command)
        events += [as_new(event, by=command.actor, when=command.at) for event in decided]
    returned, received = (await PostgresEventStore(engine).append(complaint_no, NO_STREAM, events)).events

    await deliver(engine, returned)  # not received yet: nothing to list, nothing dead-lettered
    assert await row(engine, complaint_no) is None

    await deliver(engine, received)
    found = await row(engine, complaint_no)
    assert found is not None
    assert (found["status"], found["stream_version"]) == ("received", 2)
    assert found["subject"] == received.payload["subject"]
