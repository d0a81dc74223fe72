"""The revisit scheduler: due a set delay after the latest resolution, once, only when resolved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.feedback.handlers import ScheduleRevisitOnResolution
from shared.clock import FakeClock
from shared.complaints.events import ComplaintResolved
from shared.complaints.values import Status
from shared.eventstore import NO_STREAM, InMemoryEventStore
from tests.builders import T0, agent, as_new, at, history_to
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

DELAY = timedelta(hours=72)


async def test_due_the_delay_after_the_resolution() -> None:
    store = InMemoryEventStore()
    result = await store.append("TS-1", NO_STREAM, history_to(Status.RESOLVED, complaint_no="TS-1"))
    resolved = result.events[-1]

    await ScheduleRevisitOnResolution(DELAY, FakeClock(at(hours=1)))(resolved, FakeUnitOfWork(store))

    stream = await store.read_stream("TS-1")
    assert stream[-1].type == "RevisitScheduled"
    assert datetime.fromisoformat(stream[-1].payload["due_at"]) == T0 + DELAY
    assert stream[-1].occurred_at == at(hours=1)
    assert stream[-1].causation_id == resolved.event_id


@pytest.mark.parametrize("status", [Status.REVISIT_PENDING, Status.CLOSED, Status.REOPENED])
async def test_nothing_when_no_longer_resolved(status: Status) -> None:
    store = InMemoryEventStore()
    result = await store.append("TS-1", NO_STREAM, history_to(status, complaint_no="TS-1"))
    resolved = next(e for e in result.events if e.type == "ComplaintResolved")

    await ScheduleRevisitOnResolution(DELAY, FakeClock())(resolved, FakeUnitOfWork(store))

    assert len(await store.read_stream("TS-1")) == len(result.events)


async def test_an_old_resolution_schedules_from_the_latest_one() -> None:
    """Redelivered late, the first resolution of a reopened complaint counts from the second."""
    store = InMemoryEventStore()
    history = history_to(Status.REOPENED, complaint_no="TS-1")  # resolved at T0, then dissatisfied
    first = await store.append("TS-1", NO_STREAM, history)
    again = ComplaintResolved(department="quality", resolution="再次处理")
    await store.append("TS-1", len(history), [as_new(again, by=agent(), when=at(days=2))])
    first_resolution = next(e for e in first.events if e.type == "ComplaintResolved")

    await ScheduleRevisitOnResolution(DELAY, FakeClock(at(days=2)))(first_resolution, FakeUnitOfWork(store))

    stream = await store.read_stream("TS-1")
    assert datetime.fromisoformat(stream[-1].payload["due_at"]) == at(days=2) + DELAY
