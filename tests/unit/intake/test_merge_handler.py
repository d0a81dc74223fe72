"""The merge handler on a fake unit of work: the duplicate ends and the survivor records it, in
one unit; a refused merge records the refusal on the duplicate only; an unknown duplicate is
not found and nothing is appended."""

from __future__ import annotations

import pytest

from services.intake.handlers import merge
from shared.clock import FakeClock
from shared.complaints.values import Status
from shared.eventstore import NO_STREAM
from shared.eventstore.complaint_handling import ComplaintNotFound
from tests.builders import at, history_to, supervisor
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

CLOCK = FakeClock(at(hours=3))


async def two_complaints() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await uow.store.append("TS-1", NO_STREAM, history_to(Status.ASSIGNED, complaint_no="TS-1"))
    await uow.store.append("TS-2", NO_STREAM, history_to(Status.ASSIGNED, complaint_no="TS-2"))
    return uow


async def types(uow: FakeUnitOfWork, complaint_no: str) -> list[str]:
    return [e.type for e in await uow.store.read_stream(complaint_no)]


async def test_the_duplicate_ends_and_the_survivor_records_it_in_one_unit() -> None:
    uow = await two_complaints()

    outcome = await merge(uow, CLOCK, supervisor(), "TS-2", "TS-1", "同一客户同一问题")

    assert outcome.rejection is None and outcome.state.status is Status.MERGED
    assert (await types(uow, "TS-2"))[-1] == "ComplaintMerged"
    assert (await types(uow, "TS-1"))[-1] == "DuplicateMergedInto"
    assert (uow.opened, uow.committed, uow.rolled_back) == (1, 1, 0)


async def test_a_refused_merge_touches_only_the_duplicate() -> None:
    uow = await two_complaints()
    survivor_before = await types(uow, "TS-1")

    outcome = await merge(uow, CLOCK, supervisor(), "TS-2", "TS-2", "自己")

    assert outcome.rejection is not None and outcome.rejection.reason_code == "merge_into_self"
    assert await types(uow, "TS-1") == survivor_before


async def test_an_unknown_duplicate_is_not_found() -> None:
    uow = await two_complaints()

    with pytest.raises(ComplaintNotFound):
        await merge(uow, CLOCK, supervisor(), "TS-404", "TS-1", "重复")

    assert uow.rolled_back == 1
    assert await uow.store.read_stream("TS-404") == []
