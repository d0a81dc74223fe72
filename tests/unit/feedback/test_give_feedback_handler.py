"""The feedback handler on a fake unit of work: satisfied closes the complaint, dissatisfied
sends it back, an unknown complaint appends nothing."""

from __future__ import annotations

import pytest

from services.feedback.handlers import give_feedback
from shared.clock import FakeClock
from shared.complaints.commands import GiveFeedback
from shared.complaints.values import Status
from shared.eventstore import NO_STREAM
from shared.eventstore.complaint_handling import ComplaintNotFound
from tests.builders import agent, at, history_to
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

CLOCK = FakeClock(at(days=4))


def feedback(satisfied: bool) -> GiveFeedback:
    return GiveFeedback(actor=agent("customer_service"), at=CLOCK.now(), satisfied=satisfied, score=4)


async def pending_revisit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await uow.store.append("TS-1", NO_STREAM, history_to(Status.REVISIT_PENDING, complaint_no="TS-1"))
    return uow


async def test_satisfied_closes_the_complaint() -> None:
    uow = await pending_revisit()

    outcome = await give_feedback(uow, CLOCK, "TS-1", feedback(satisfied=True))

    assert outcome.rejection is None
    assert outcome.state.status is Status.CLOSED
    assert (await uow.store.read_stream("TS-1"))[-1].occurred_at == at(days=4)


async def test_dissatisfied_reopens_it() -> None:
    uow = await pending_revisit()

    outcome = await give_feedback(uow, CLOCK, "TS-1", feedback(satisfied=False))

    assert outcome.state.status is Status.REOPENED


async def test_an_unknown_complaint_is_not_found() -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(ComplaintNotFound):
        await give_feedback(uow, CLOCK, "TS-404", feedback(satisfied=True))

    assert await uow.store.read_stream("TS-404") == []
