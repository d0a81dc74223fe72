"""Timers whose firing the complaint cannot take: stopped or marked, never retried forever."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.sla import repository
from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade, SlaStage
from tests.builders import sla_warning
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import RESOLUTION, clock_of, deadlines, default_planner, firer

pytestmark = pytest.mark.integration


async def test_a_warning_already_on_the_stream_is_not_recorded_twice(bare: Bare) -> None:
    start = bare.clock.now()
    no = await bare.complaints.receive(Grade.URGENT)
    await bare.clocks.catch_up(no)
    await bare.complaints.do(  # e.g. raised by an earlier deployment that lost its table
        no, sla_warning(SlaStage.RESOLUTION, when=start, deadline=start + timedelta(hours=24))
    )

    bare.clock.advance(timedelta(hours=20))
    await firer(bare.engine, bare.clock).fire_due()
    await firer(bare.engine, bare.clock).fire_due()

    types = await bare.complaints.types(no)
    assert types.count("SlaWarningRaised") == 1
    assert "CommandRejected" not in types  # already done: a service's no-op is no refusal
    assert clock_of(await deadlines(bare.engine, no), RESOLUTION).state is DeadlineState.WARNED


async def test_a_timer_of_a_complaint_missing_from_the_store_is_stopped(bare: Bare) -> None:
    no = "TS-NOWHERE-" + uuid.uuid4().hex[:8]
    schedule = default_planner().plan(Grade.URGENT, SlaStage.RESOLUTION, bare.clock.now())
    async with bare.engine.begin() as conn:
        await repository.start(conn, no, schedule, None, uuid.uuid4(), 1)

    bare.clock.advance(timedelta(hours=30))
    report = await firer(bare.engine, bare.clock).fire_due()

    row = clock_of(await deadlines(bare.engine, no), RESOLUTION)
    assert (row.state, row.stop_reason) == (DeadlineState.STOPPED, StopReason.COMPLAINT_MISSING)
    assert report.stopped == 1 and report.failed == 0
    assert await bare.store.read_stream(no) == []
