"""An 8D case's three clocks, from its opening and charged to the responsible department:
containment (D3) 24 h, the permanent countermeasure (D5) and the whole case (D8); warned,
breached and escalated like every clock, stopped by their discipline, or with the complaint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import ComplaintEscalated, Grade, SlaBreached, SlaStage
from tests.builders import DEPT, close_unresolvable, supervisor
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import clock_of, deadlines, firer, settled
from tests.support.eight_d import open_case, record, through

pytestmark = pytest.mark.integration

CONTAINMENT = SlaStage.EIGHT_D_CONTAINMENT
COUNTERMEASURE = SlaStage.EIGHT_D_COUNTERMEASURE
CLOSURE = SlaStage.EIGHT_D_CLOSURE
EIGHT_D = (CONTAINMENT, COUNTERMEASURE, CLOSURE)


async def a_case(sla: Sla) -> str:
    no = await sla.complaints.receive(Grade.BATCH)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await sla.complaints.do(no, open_case(when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)
    return no


async def test_opened_the_three_clocks_run_for_the_department(sla: Sla) -> None:
    start = sla.clock.now()
    no = await a_case(sla)

    rows = await deadlines(sla.engine, no)

    due = {
        stage: (clock_of(rows, stage).due_at - start, clock_of(rows, stage).department)
        for stage in (CONTAINMENT, COUNTERMEASURE, CLOSURE)
    }
    assert due == {
        CONTAINMENT: (timedelta(hours=24), DEPT),
        COUNTERMEASURE: (timedelta(days=2), DEPT),
        CLOSURE: (timedelta(days=7), DEPT),
    }


async def test_no_containment_in_24_hours_is_breached_and_escalated(sla: Sla) -> None:
    start = sla.clock.now()
    no = await a_case(sla)
    fire = firer(sla.engine, sla.clock)

    sla.clock.set(start + timedelta(hours=20))
    await fire.fire_due()
    sla.clock.set(start + timedelta(hours=24, seconds=1))
    await fire.fire_due()

    assert await sla.complaints.payloads(no, "SlaBreached") == [
        SlaBreached(stage=CONTAINMENT, deadline=start + timedelta(hours=24), department=DEPT)
    ]
    [escalated] = await sla.complaints.payloads(no, "ComplaintEscalated")
    assert isinstance(escalated, ComplaintEscalated) and escalated.stage is CONTAINMENT
    assert clock_of(await deadlines(sla.engine, no), CONTAINMENT).state is DeadlineState.BREACHED


async def test_d3_d5_and_d8_stop_their_clocks(sla: Sla) -> None:
    start = sla.clock.now()
    no = await a_case(sla)

    sla.clock.set(start + timedelta(hours=3))
    for command in through("D7", when=sla.clock.now()):
        await sla.complaints.do(no, command)
    await sla.complaints.do(no, record("D8", when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)
    sla.clock.set(start + timedelta(days=8))
    await firer(sla.engine, sla.clock).fire_due()

    rows = await deadlines(sla.engine, no)
    assert [
        (clock_of(rows, s).state, clock_of(rows, s).stop_reason)
        for s in (CONTAINMENT, COUNTERMEASURE, CLOSURE)
    ] == [
        (DeadlineState.STOPPED, StopReason.CONTAINED),
        (DeadlineState.STOPPED, StopReason.COUNTERMEASURE_RECORDED),
        (DeadlineState.STOPPED, StopReason.EIGHT_D_CLOSED),
    ]
    breaches = await sla.complaints.payloads(no, "SlaBreached")
    assert [b for b in breaches if isinstance(b, SlaBreached) and b.stage in EIGHT_D] == []


async def test_closed_as_unresolvable_the_case_clocks_stop(sla: Sla) -> None:
    no = await a_case(sla)

    await sla.complaints.do(no, close_unresolvable(by=supervisor(), when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    assert {clock_of(rows, s).stop_reason for s in (CONTAINMENT, COUNTERMEASURE, CLOSURE)} == {
        StopReason.CLOSED
    }
