"""Both handler recipes append nothing for a service's command that is already done (``decide``
returns no event): ``execute`` says so (``Outcome.already_done``), and a reactor's batch appends
only what the other commands decided."""

from __future__ import annotations

import pytest

from shared.clock import FakeClock
from shared.complaints.commands import AcknowledgeComplaint, Command
from shared.complaints.state import ComplaintState
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, InMemoryEventStore
from shared.eventstore.complaint_handling import execute
from shared.messaging.complaint_reactions import Reacted, Reactor
from tests.builders import T0, acknowledge, as_new, received, service
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit


async def _received(store: InMemoryEventStore, number: str) -> RecordedEvent:
    return (await store.append(number, NO_STREAM, [as_new(received(complaint_no=number))])).events[0]


async def test_execute_appends_nothing_for_a_command_already_done() -> None:
    store = InMemoryEventStore()
    await _received(store, "TS-1")
    first = await execute(store, "TS-1", acknowledge(by=service("sla")), clock=FakeClock(T0))
    again = await execute(store, "TS-1", acknowledge(by=service("intake")), clock=FakeClock(T0))

    assert not first.already_done and first.rejection is None
    assert again.already_done and again.rejection is None and again.recorded == []
    assert again.stream_version == first.stream_version == 2
    assert [e.type for e in await store.read_stream("TS-1")] == ["ComplaintReceived", "ComplaintAcknowledged"]


class AlwaysAcknowledge(Reactor):
    """A reactor that does not look first: the domain's answer alone keeps the trail clean."""

    name = "test"

    def __init__(self) -> None:
        self.clock = FakeClock(T0)
        self.outcomes: list[Reacted] = []

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        return AcknowledgeComplaint(actor=service("intake"), at=T0, via="sms", message_key="ack")

    def reacted(self, outcome: Reacted) -> None:
        self.outcomes.append(outcome)


async def test_a_reactor_appends_nothing_for_a_command_already_done() -> None:
    store = InMemoryEventStore()
    done, fresh = await _received(store, "TS-1"), await _received(store, "TS-2")
    await execute(store, "TS-1", acknowledge(by=service("sla")), clock=FakeClock(T0))
    reactor = AlwaysAcknowledge()
    await reactor.handle([done, fresh], FakeUnitOfWork(store))

    assert [e.type for e in await store.read_stream("TS-1")] == ["ComplaintReceived", "ComplaintAcknowledged"]
    assert [e.type for e in await store.read_stream("TS-2")] == ["ComplaintReceived", "ComplaintAcknowledged"]
    assert [o.already_done for o in reactor.outcomes] == [True, False]
