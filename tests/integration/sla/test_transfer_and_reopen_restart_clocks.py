"""A transfer restarts first response for the new owner; a reopen starts both clocks again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT, OTHER_DEPT, feedback
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_a_transfer_gives_the_new_department_its_own_first_response_clock(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    sla.clock.advance(timedelta(hours=3))
    transferred_at = sla.clock.now()
    await sla.complaints.transfer(no, OTHER_DEPT)
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    old, new = clock_of(rows, FIRST, 1), clock_of(rows, FIRST, 2)
    assert (old.department, old.stop_reason, old.stopped_at) == (DEPT, StopReason.TRANSFERRED, transferred_at)
    assert (new.department, new.state, new.started_at) == (OTHER_DEPT, DeadlineState.OPEN, transferred_at)
    assert new.due_at == transferred_at + timedelta(hours=12)
    resolution = clock_of(rows, RESOLUTION)
    assert (resolution.department, resolution.state) == (OTHER_DEPT, DeadlineState.OPEN)


async def test_a_reopen_starts_new_first_response_and_resolution_clocks(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await sla.complaints.resolve(no, DEPT)
    sla.clock.advance(timedelta(hours=5))
    reopened_at = sla.clock.now()
    await sla.complaints.do(no, feedback(satisfied=False, when=reopened_at))  # dissatisfied: reopened
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    assert clock_of(rows, RESOLUTION, 1).stop_reason is StopReason.RESOLVED
    assert clock_of(rows, FIRST, 1).stop_reason is StopReason.ACCEPTED
    for stage, limit in ((FIRST, timedelta(hours=12)), (RESOLUTION, timedelta(hours=72))):
        again = clock_of(rows, stage, 2)
        assert (again.state, again.department, again.started_at) == (DeadlineState.OPEN, DEPT, reopened_at)
        assert again.due_at == reopened_at + limit
