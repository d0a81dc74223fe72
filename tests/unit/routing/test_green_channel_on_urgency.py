"""Routing's green channel: an urgent complaint with a department → GreenChannelOpened and one
notification per recipient; a redelivery, a regrade back and forth or a restart tells nobody again."""

from __future__ import annotations

import pytest

from services.routing.handlers import GreenChannelOnUrgency
from services.routing.notifier import FixedDirectory, Recipient, RecordingNotifier
from shared.clock import FakeClock
from shared.complaints.events import ComplaintAssigned, ComplaintRegraded
from shared.complaints.values import Grade
from shared.events import RecordedEvent, Role
from shared.eventstore import NO_STREAM, InMemoryEventStore
from tests.builders import DEPT, OTHER_DEPT, as_new, at, received, service
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

NO = "TS-1"
PEOPLE = FixedDirectory(
    [
        Recipient(Role.DEPARTMENT_HEAD, "head-quality", DEPT),
        Recipient(Role.DEPARTMENT_HEAD, "head-after-sales", OTHER_DEPT),
        Recipient(Role.SUPERVISOR, "supervisor-1"),
    ]
)


async def a_complaint(store: InMemoryEventStore, grade: Grade) -> RecordedEvent:
    events = [
        as_new(received(complaint_no=NO, grade=grade)),
        as_new(ComplaintAssigned(department=DEPT, rule="r1"), by=service(), when=at(minutes=1)),
    ]
    return (await store.append(NO, NO_STREAM, events)).events[-1]


def a_reaction(notifier: RecordingNotifier) -> GreenChannelOnUrgency:
    return GreenChannelOnUrgency(notifier, PEOPLE, FakeClock(at(minutes=2)))


@pytest.mark.parametrize("grade", [Grade.URGENT, Grade.LEVEL_3])
async def test_the_head_and_the_supervisors_are_told_once(grade: Grade) -> None:
    store, notifier = InMemoryEventStore(), RecordingNotifier()
    assigned = await a_complaint(store, grade)

    await a_reaction(notifier)(assigned, FakeUnitOfWork(store))
    await a_reaction(notifier)(assigned, FakeUnitOfWork(store))  # redelivered, or after a restart

    stream = await store.read_stream(NO)
    assert [e.type for e in stream][-1] == "GreenChannelOpened"
    assert stream[-1].payload["notified"] == ["head-quality", "supervisor-1"]
    assert stream[-1].causation_id == assigned.event_id
    assert [(n.to.role, n.to.subject, n.department) for n in notifier.sent] == [
        (Role.DEPARTMENT_HEAD, "head-quality", DEPT),
        (Role.SUPERVISOR, "supervisor-1", DEPT),
    ]
    assert {n.complaint_no for n in notifier.sent} == {NO}


async def test_a_general_complaint_tells_nobody() -> None:
    store, notifier = InMemoryEventStore(), RecordingNotifier()
    assigned = await a_complaint(store, Grade.GENERAL)

    await a_reaction(notifier)(assigned, FakeUnitOfWork(store))

    assert notifier.sent == []
    assert [e.type for e in await store.read_stream(NO)][-1] == "ComplaintAssigned"


async def test_a_regrade_to_urgent_opens_it_once() -> None:
    store, notifier = InMemoryEventStore(), RecordingNotifier()
    await a_complaint(store, Grade.GENERAL)
    up = ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="injury")
    down = ComplaintRegraded(grade=Grade.GENERAL, previous_grade=Grade.URGENT, reason="no injury")
    again = ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="injury after all")
    regraded = (await store.append(NO, 2, [as_new(up)])).events[-1]

    await a_reaction(notifier)(regraded, FakeUnitOfWork(store))
    version = len(await store.read_stream(NO))
    later = (await store.append(NO, version, [as_new(down), as_new(again)])).events[-1]
    await a_reaction(notifier)(later, FakeUnitOfWork(store))

    assert len(notifier.sent) == 2
    assert [e.type for e in await store.read_stream(NO)].count("GreenChannelOpened") == 1


async def test_a_failing_notifier_keeps_the_record() -> None:
    class Broken(RecordingNotifier):
        async def notify(self, notification: object) -> None:  # type: ignore[override]
            raise RuntimeError("sms gateway down")

    store = InMemoryEventStore()
    assigned = await a_complaint(store, Grade.URGENT)

    await a_reaction(Broken())(assigned, FakeUnitOfWork(store))

    assert [e.type for e in await store.read_stream(NO)][-1] == "GreenChannelOpened"
