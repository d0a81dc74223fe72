"""Separate clocks for acknowledgement, first contact, initial plan, progress updates,
resolution and revisit: each starts and stops at its own events and is charged to its stage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from shared.complaints import Grade, ProgressKind, SlaStage
from tests.builders import DEPT, acknowledge, agent, feedback, progress
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import all_clocks, deadlines, running_clock

pytestmark = pytest.mark.integration

S = SlaStage


async def test_each_stage_starts_and_stops_at_its_own_events(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    start = bare.clock.now()
    no = await bare.complaints.receive(Grade.URGENT)
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    assert {row.stage for row in rows} == {S.ACKNOWLEDGEMENT, S.INITIAL_PLAN, S.RESOLUTION}
    assert running_clock(rows, S.ACKNOWLEDGEMENT).due_at == start + timedelta(hours=1)
    assert running_clock(rows, S.INITIAL_PLAN).due_at == start + timedelta(hours=4)

    await bare.complaints.do(no, acknowledge(when=bare.clock.now()))
    await bare.complaints.assign(no, DEPT)
    bare.clock.advance(timedelta(minutes=30))
    await bare.complaints.accept(no, DEPT)
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    stopped = {row.stage: row.stop_reason for row in rows if row.stopped_at is not None}
    assert stopped == {S.ACKNOWLEDGEMENT: StopReason.ACKNOWLEDGED, S.FIRST_RESPONSE: StopReason.ACCEPTED}
    progress_clock = running_clock(rows, S.PROGRESS_UPDATE)
    assert progress_clock.due_at == start + timedelta(minutes=30, hours=24)
    assert progress_clock.department == DEPT

    bare.clock.advance(timedelta(hours=1))
    await bare.complaints.do(no, progress(by=agent(DEPT), when=bare.clock.now(), kind=ProgressKind.PLAN))
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    plan = next(row for row in rows if row.stage is S.INITIAL_PLAN)
    assert plan.stop_reason is StopReason.PLAN_RECORDED
    restarted = running_clock(rows, S.PROGRESS_UPDATE)  # every update restarts the interval
    assert (restarted.generation, restarted.due_at) == (2, bare.clock.now() + timedelta(hours=24))

    await bare.complaints.resolve(no, DEPT)
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    assert [row.stage for row in rows if row.stopped_at is None] == [S.REVISIT]
    assert running_clock(rows, S.REVISIT).due_at == bare.clock.now() + timedelta(hours=72)

    await bare.complaints.do(no, feedback(satisfied=True, when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    assert all(row.stopped_at is not None for row in rows)
    assert [row.stop_reason for row in rows if row.stage is S.REVISIT] == [StopReason.FEEDBACK]


async def test_a_grade_without_a_progress_interval_runs_no_progress_clock(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await rig.clocks.catch_up(no)
    assert S.PROGRESS_UPDATE not in {row.stage for row in await deadlines(bare.engine, no)}
