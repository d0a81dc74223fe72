"""A time limit that runs out records SlaBreached and escalates the complaint one level up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.repository import DeadlineState
from shared.complaints import ComplaintEscalated, Grade, SlaBreached, SlaStage
from tests.builders import DEPT
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_a_breach_is_recorded_and_escalated_to_the_supervisor(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.URGENT)
    await sla.complaints.assign(no, DEPT)  # first response: 4 h
    await settled(sla.engine, sla.store, no)

    sla.clock.set(start + timedelta(hours=4, seconds=1))
    await sla.firer.fire_due()
    await sla.firer.fire_due()

    types = await sla.complaints.types(no)
    assert types[-2:] == ["SlaBreached", "ComplaintEscalated"]
    assert "SlaWarningRaised" not in types  # the warning's moment passed unseen: no stale warning
    assert await sla.complaints.payloads(no, "SlaBreached") == [
        SlaBreached(stage=SlaStage.FIRST_RESPONSE, deadline=start + timedelta(hours=4), department=DEPT)
    ]
    [escalated] = await sla.complaints.payloads(no, "ComplaintEscalated")
    assert isinstance(escalated, ComplaintEscalated)
    assert (escalated.level, escalated.to_role, escalated.stage) == (1, "supervisor", SlaStage.FIRST_RESPONSE)
    assert "首次响应" in escalated.reason and "First response" in escalated.reason

    row = clock_of(await deadlines(sla.engine, no), FIRST)
    assert row.state is DeadlineState.BREACHED
    assert (row.escalation_level, row.escalated_to) == (1, "supervisor")


async def test_each_further_breach_goes_one_level_higher(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.URGENT)
    await sla.complaints.assign(no, DEPT)
    await settled(sla.engine, sla.store, no)

    sla.clock.set(start + timedelta(hours=5))
    await sla.firer.fire_due()  # first response (4 h)
    sla.clock.set(start + timedelta(hours=25))
    await sla.firer.fire_due()  # resolution (24 h)

    escalations = await sla.complaints.payloads(no, "ComplaintEscalated")
    assert [(e.level, e.to_role, e.stage) for e in escalations if isinstance(e, ComplaintEscalated)] == [
        (1, "supervisor", SlaStage.FIRST_RESPONSE),
        (2, "operations_manager", SlaStage.RESOLUTION),
    ]
    rows = await deadlines(sla.engine, no)
    assert clock_of(rows, RESOLUTION).escalated_to == "operations_manager"
    assert [r.type for r in await sla.complaints.records(no)].count("SlaBreached") == 2
