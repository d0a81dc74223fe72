"""Waiting on the complainant pauses the resolution and progress clocks: a paused clock fires
nothing, and the time on hold is added to its deadline when the complaint resumes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.complaints import Grade, SlaBreached, SlaStage
from tests.builders import DEPT, agent, hold, resume
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import all_clocks, deadlines, running_clock

pytestmark = pytest.mark.integration

S = SlaStage


async def test_time_on_hold_is_excluded_from_the_deadlines(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    received = bare.clock.now()
    no = await bare.complaints.receive(Grade.COMPLEX)  # resolution 72 h, progress every 48 h
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await rig.clocks.catch_up(no)

    bare.clock.advance(timedelta(hours=2))
    await bare.complaints.do(no, hold(by=agent(DEPT), when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    assert running_clock(rows, S.RESOLUTION).paused_at == bare.clock.now()
    assert running_clock(rows, S.PROGRESS_UPDATE).paused_at == bare.clock.now()
    assert running_clock(rows, S.INITIAL_PLAN).paused_at is None  # only resolution and progress pause

    # Long past both deadlines while on hold: the paused clocks fire nothing.
    bare.clock.advance(timedelta(hours=100))
    await rig.firer.fire_due()
    types = await bare.complaints.types(no)
    breached = [
        p.stage for p in await bare.complaints.payloads(no, "SlaBreached") if isinstance(p, SlaBreached)
    ]
    assert S.RESOLUTION not in breached and S.PROGRESS_UPDATE not in breached
    assert "ComplaintResumed" not in types

    await bare.complaints.do(no, resume(by=agent(DEPT), when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    resolution = running_clock(rows, S.RESOLUTION)
    assert resolution.paused_at is None
    assert resolution.paused == timedelta(hours=100)
    assert resolution.due_at == received + timedelta(hours=72 + 100)
    progress = running_clock(rows, S.PROGRESS_UPDATE)
    assert progress.due_at == received + timedelta(hours=48 + 100)
    # The warning moved with it: 80 % of the 72 h, plus the 100 h on hold.
    assert resolution.warn_at == received + timedelta(hours=72 * 0.8 + 100)


async def test_a_transfer_ends_the_hold(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    received = bare.clock.now()
    no = await bare.complaints.receive(Grade.COMPLEX)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await bare.complaints.do(no, hold(by=agent(DEPT), when=bare.clock.now()))
    bare.clock.advance(timedelta(hours=5))
    await bare.complaints.transfer(no, "after_sales")
    await rig.clocks.catch_up(no)
    resolution = running_clock(await deadlines(bare.engine, no), S.RESOLUTION)
    assert resolution.paused_at is None and resolution.department == "after_sales"
    assert resolution.due_at == received + timedelta(hours=72 + 5)


async def test_a_hold_the_table_has_not_seen_yet_keeps_the_firer_from_breaching(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    no = await bare.complaints.receive(Grade.COMPLEX)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await rig.clocks.catch_up(no)
    await bare.complaints.do(no, hold(by=agent(DEPT), when=bare.clock.now()))  # the consumer lags

    bare.clock.advance(timedelta(hours=100))
    report = await rig.firer.fire_due()
    assert report.deferred >= 2  # resolution and progress wait for the consumer
    breached = [
        p.stage for p in await bare.complaints.payloads(no, "SlaBreached") if isinstance(p, SlaBreached)
    ]
    assert S.RESOLUTION not in breached and S.PROGRESS_UPDATE not in breached

    await rig.clocks.catch_up(no)
    assert running_clock(await deadlines(bare.engine, no), S.RESOLUTION).paused_at is not None
