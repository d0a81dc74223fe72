"""A regrade to a grade whose policy has a stage the old grade had not starts that clock when the
complaint's events would have it running, from the instant it would have started: the deadline
is not unfairly late, time on hold is kept, and a redelivered regrade starts nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.firing import DeadlineFirer
from services.sla.handlers import ClockKeeper
from services.sla.policy import parse_policy
from shared.complaints import Grade, ProgressKind, RegradeComplaint, SlaStage
from tests.builders import DEPT, agent, hold, progress, resume, supervisor
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import (
    ALL_CLOCKS_POLICY,
    DirectClocks,
    all_clocks,
    deadlines,
    running_clock,
)

pytestmark = pytest.mark.integration

S = SlaStage
# General complaints clock only first response, resolution and revisit; complex ones everything.
SPARSE_GENERAL = parse_policy(
    ALL_CLOCKS_POLICY.read_text(encoding="utf-8").replace(
        "general: {acknowledgement: PT1H, first_response: PT12H, initial_plan: PT72H, resolution: PT72H,",
        "general: {first_response: PT12H, resolution: PT72H,",
    )
)


def regrade(grade: Grade, when: datetime) -> RegradeComplaint:
    return RegradeComplaint(actor=supervisor(), at=when, grade=grade, reason="涉及多个部门，需协调")


async def test_progress_clock_starts_from_the_last_update_with_the_time_on_hold(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)  # general: no progress interval
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    bare.clock.advance(timedelta(hours=1))
    await bare.complaints.accept(no, DEPT)
    bare.clock.advance(timedelta(hours=2))
    updated = bare.clock.now()
    await bare.complaints.do(no, progress(by=agent(DEPT), when=updated))
    bare.clock.advance(timedelta(hours=1))
    await bare.complaints.do(no, hold(by=agent(DEPT), when=bare.clock.now()))
    bare.clock.advance(timedelta(hours=3))
    await bare.complaints.do(no, resume(by=agent(DEPT), when=bare.clock.now()))
    bare.clock.advance(timedelta(hours=2))
    await rig.clocks.catch_up(no)
    assert not [row for row in await deadlines(bare.engine, no) if row.stage is S.PROGRESS_UPDATE]

    await bare.complaints.do(no, regrade(Grade.COMPLEX, bare.clock.now()))
    await rig.clocks.catch_up(no)
    clock = running_clock(await deadlines(bare.engine, no), S.PROGRESS_UPDATE)
    assert clock.started_at == updated and clock.department == DEPT
    assert clock.paused == timedelta(hours=3) and clock.paused_at is None
    assert clock.due_at == updated + timedelta(hours=48 + 3)

    # Redelivered: nothing starts twice.
    [regraded] = [r for r in await bare.store.read_stream(no) if r.type == "ComplaintRegraded"]
    await rig.clocks.apply(regraded)
    rows = [row for row in await deadlines(bare.engine, no) if row.stage is S.PROGRESS_UPDATE]
    assert len(rows) == 1

    # The next update stops it and starts the next interval, as for any progress clock.
    bare.clock.advance(timedelta(hours=1))
    await bare.complaints.do(no, progress(by=agent(DEPT), when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    rows = [row for row in await deadlines(bare.engine, no) if row.stage is S.PROGRESS_UPDATE]
    assert [row.stopped_at is None for row in rows] == [False, True]


async def test_acknowledgement_and_plan_start_from_receipt_and_are_already_overdue(bare: Bare) -> None:
    planner = DeadlinePlanner(SPARSE_GENERAL, WallClockCalculator())
    clocks = DirectClocks(bare.engine, bare.store, keeper=ClockKeeper(planner, bare.clock))
    received = bare.clock.now()
    no = await bare.complaints.receive(Grade.GENERAL)
    bare.clock.advance(timedelta(hours=2))
    await bare.complaints.assign(no, DEPT)
    await clocks.catch_up(no)
    assert {row.stage for row in await deadlines(bare.engine, no)} == {S.FIRST_RESPONSE, S.RESOLUTION}

    await bare.complaints.do(no, regrade(Grade.COMPLEX, bare.clock.now()))
    await clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    ack, plan = running_clock(rows, S.ACKNOWLEDGEMENT), running_clock(rows, S.INITIAL_PLAN)
    assert (ack.started_at, ack.due_at) == (received, received + timedelta(hours=1))  # overdue already
    assert (plan.started_at, plan.due_at) == (received, received + timedelta(hours=72))
    assert plan.department == DEPT  # the plan follows the owner
    assert not [row for row in rows if row.stage is S.PROGRESS_UPDATE]  # not accepted yet

    # Already overdue: the next tick records the breach (the warning instant passed unseen too).
    await DeadlineFirer(bare.engine, SPARSE_GENERAL, bare.clock, planner=planner).fire_due()
    breaches = await bare.complaints.payloads(no, "SlaBreached")
    assert [breach.stage for breach in breaches] == [S.ACKNOWLEDGEMENT]  # type: ignore[attr-defined]


async def test_a_stage_already_done_is_not_started(bare: Bare) -> None:
    planner = DeadlinePlanner(SPARSE_GENERAL, WallClockCalculator())
    clocks = DirectClocks(bare.engine, bare.store, keeper=ClockKeeper(planner, bare.clock))
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await bare.complaints.do(no, progress(by=agent(DEPT), when=bare.clock.now(), kind=ProgressKind.PLAN))
    await clocks.catch_up(no)

    await bare.complaints.do(no, regrade(Grade.COMPLEX, bare.clock.now()))
    await clocks.catch_up(no)
    stages = {row.stage for row in await deadlines(bare.engine, no) if row.stopped_at is None}
    assert S.INITIAL_PLAN not in stages  # the plan was recorded before the regrade
    assert {S.ACKNOWLEDGEMENT, S.PROGRESS_UPDATE, S.RESOLUTION} <= stages


async def test_a_stage_started_while_on_hold_waits_and_resumes_with_the_complaint(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    accepted = bare.clock.now()
    bare.clock.advance(timedelta(hours=1))
    on_hold = bare.clock.now()
    await bare.complaints.do(no, hold(by=agent(DEPT), when=on_hold))
    bare.clock.advance(timedelta(hours=2))
    await bare.complaints.do(no, regrade(Grade.URGENT, bare.clock.now()))
    await rig.clocks.catch_up(no)
    clock = running_clock(await deadlines(bare.engine, no), S.PROGRESS_UPDATE)
    assert clock.started_at == accepted and clock.paused_at == on_hold  # fires nothing while on hold

    bare.clock.advance(timedelta(hours=2))
    await bare.complaints.do(no, resume(by=agent(DEPT), when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    clock = running_clock(await deadlines(bare.engine, no), S.PROGRESS_UPDATE)
    assert clock.paused_at is None and clock.paused == timedelta(hours=4)
    assert clock.due_at == accepted + timedelta(hours=24 + 4)
