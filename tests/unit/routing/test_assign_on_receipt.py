"""The dispatch handler: load → decide → append, on an in-memory store (the contract's twin)."""

from __future__ import annotations

from typing import Any

import pytest

from services.routing.handlers import AssignOnReceipt
from services.routing.rules import parse_rules
from shared.clock import FakeClock
from shared.complaints.values import Category, Grade, Status
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, InMemoryEventStore
from tests.builders import T0, as_new, at, history_to, received
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

RULES = parse_rules(
    """
default_department: customer_service
rules:
  - {name: urgent, match: {grade: urgent}, department: quality, note: 立即处理}
"""
)


async def deliver(store: InMemoryEventStore, event: RecordedEvent) -> list[RecordedEvent]:
    await AssignOnReceipt(RULES, FakeClock(at(minutes=5)))(event, FakeUnitOfWork(store))
    return await store.read_stream(event.stream_id)


async def stored(store: InMemoryEventStore, **fields: Any) -> RecordedEvent:
    event = as_new(received(complaint_no="TS-1", **fields))
    return (await store.append("TS-1", NO_STREAM, [event])).events[0]


async def test_assigns_by_the_rule_and_records_it() -> None:
    store = InMemoryEventStore()
    complaint = await stored(store, category=Category.BILLING, grade=Grade.URGENT)

    stream = await deliver(store, complaint)

    assert [e.type for e in stream] == ["ComplaintReceived", "ComplaintAssigned"]
    assert stream[1].payload == {"department": "quality", "rule": "urgent", "note": "立即处理"}
    assert stream[1].occurred_at == at(minutes=5)
    assert stream[1].causation_id == complaint.event_id


async def test_unmatched_goes_to_the_default_department() -> None:
    store = InMemoryEventStore()
    complaint = await stored(store, category=Category.BILLING)

    stream = await deliver(store, complaint)

    assert stream[1].payload == {"department": "customer_service", "rule": "default", "note": None}


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.WITHDRAWN, Status.CLOSED_NOT_COMPLAINT])
async def test_a_complaint_no_longer_waiting_is_left_alone(status: Status) -> None:
    store = InMemoryEventStore()
    result = await store.append("TS-1", NO_STREAM, history_to(status, complaint_no="TS-1"))

    stream = await deliver(store, result.events[0])

    assert len(stream) == len(result.events)  # nothing appended, not even a rejection
    assert stream[0].occurred_at == T0
