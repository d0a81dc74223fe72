"""Routing hands a severe complaint's open 8D case to the department responsible for it: after
the assignment that follows the receipt, and after a transfer; once, however often the event
comes."""

from __future__ import annotations

import pytest

from services.routing.eight_d_handlers import HandEightDCaseToTheDepartment
from shared.clock import FakeClock
from shared.complaints.events import ComplaintAssigned, ComplaintTransferred
from shared.complaints.stages.eight_d import EightDCaseOpened
from shared.complaints.values import EightDTrigger, Grade
from shared.eventstore import NO_STREAM, InMemoryEventStore
from shared.messaging.assignment_routes import department_of
from tests.builders import DEPT, OTHER_DEPT, as_new, at, received, service
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

NO = "TS-8D-1"


async def test_the_case_opened_at_receipt_goes_to_the_assigned_department_once() -> None:
    store = InMemoryEventStore()
    events = [
        as_new(received(complaint_no=NO, grade=Grade.SEVERE)),
        as_new(EightDCaseOpened(case=1, cause=EightDTrigger.SEVERE_GRADE, grade=Grade.SEVERE)),
        as_new(ComplaintAssigned(department=DEPT, rule="r1"), by=service(), when=at(minutes=1)),
    ]
    assigned = (await store.append(NO, NO_STREAM, events)).events[-1]
    reaction = HandEightDCaseToTheDepartment(FakeClock(at(minutes=2)))

    await reaction(assigned, FakeUnitOfWork(store))
    await reaction(assigned, FakeUnitOfWork(store))

    stream = await store.read_stream(NO)
    assert [e.type for e in stream][-2:] == ["ComplaintAssigned", "EightDCaseHandedOver"]
    assert department_of(stream[-1].type, stream[-1].payload) == DEPT
    assert stream[-1].payload["from_department"] is None


async def test_a_transfer_hands_it_on() -> None:
    store = InMemoryEventStore()
    events = [
        as_new(received(complaint_no=NO, grade=Grade.BATCH)),
        as_new(ComplaintAssigned(department=DEPT, rule="r1")),
        as_new(EightDCaseOpened(case=1, cause=EightDTrigger.MANUAL, grade=Grade.BATCH, department=DEPT)),
        as_new(ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="售后")),
    ]
    transferred = (await store.append(NO, NO_STREAM, events)).events[-1]

    await HandEightDCaseToTheDepartment(FakeClock(at(minutes=2)))(transferred, FakeUnitOfWork(store))

    last = (await store.read_stream(NO))[-1]
    assert (last.type, last.payload["department"], last.payload["from_department"]) == (
        "EightDCaseHandedOver",
        OTHER_DEPT,
        DEPT,
    )


def test_a_case_opened_for_a_department_is_on_its_feed() -> None:
    opened = EightDCaseOpened(case=1, cause=EightDTrigger.REGRADE, grade=Grade.SEVERE, department=DEPT)
    assert department_of("EightDCaseOpened", opened.model_dump(mode="json")) == DEPT
    unassigned = opened.model_copy(update={"department": None})
    assert department_of("EightDCaseOpened", unassigned.model_dump(mode="json")) is None
