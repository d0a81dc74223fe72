"""Each co-operating department (协同) has its own clocks: its sign-for from the request, then its
contribution from the sign-for. One department signing for it stops only its own clock; the one
that does not is warned and breached, and the breach is charged to it, not to the lead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade, SlaBreached, SlaStage
from tests.builders import COOP_DEPT, DEPT, OTHER_DEPT, accept_cooperation, agent, assign, contribute, service
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import deadlines, firer, settled
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

ACCEPTANCE, CONTRIBUTION = SlaStage.COOPERATION_ACCEPTANCE, SlaStage.COOPERATION_CONTRIBUTION


async def test_each_department_has_its_clock_and_a_breach_is_charged_to_it(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.URGENT)
    dispatch = assign(DEPT, by=service(), when=start, cooperating=[COOP_DEPT, OTHER_DEPT])
    await sla.complaints.do(no, dispatch)
    sla.clock.set(start + timedelta(hours=1))
    await sla.complaints.do(no, accept_cooperation(by=agent(COOP_DEPT, "coop-1"), when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)

    rows = {
        (d.stage, d.department): d
        for d in await deadlines(sla.engine, no)
        if d.stage in (ACCEPTANCE, CONTRIBUTION)
    }
    assert rows[(ACCEPTANCE, COOP_DEPT)].stop_reason is StopReason.COOPERATION_ACCEPTED
    assert rows[(ACCEPTANCE, OTHER_DEPT)].due_at == start + timedelta(hours=2)  # urgent: PT2H
    assert rows[(CONTRIBUTION, COOP_DEPT)].due_at == start + timedelta(hours=13)  # PT12H from sign-for

    fire = firer(sla.engine, sla.clock)
    sla.clock.set(start + timedelta(minutes=100))  # past 80 % of the 2 h
    await fire.fire_due()
    sla.clock.set(start + timedelta(hours=2, seconds=1))
    await fire.fire_due()

    assert await sla.complaints.payloads(no, "SlaBreached") == [
        SlaBreached(stage=ACCEPTANCE, deadline=start + timedelta(hours=2), department=OTHER_DEPT)
    ]
    warnings = await sla.complaints.payloads(no, "SlaWarningRaised")
    assert [getattr(w, "department", None) for w in warnings if getattr(w, "stage", None) is ACCEPTANCE] == [
        OTHER_DEPT
    ]

    await sla.complaints.do(no, contribute(by=agent(COOP_DEPT, "coop-1"), when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)
    after = {(d.stage, d.department): d for d in await deadlines(sla.engine, no)}
    assert after[(CONTRIBUTION, COOP_DEPT)].stop_reason is StopReason.CONTRIBUTED
    assert after[(ACCEPTANCE, OTHER_DEPT)].state is DeadlineState.BREACHED


async def test_a_cooperating_department_sees_its_own_cooperation_clocks_only(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.URGENT)
    dispatch = assign(DEPT, by=service(), when=sla.clock.now(), cooperating=[COOP_DEPT, OTHER_DEPT])
    await sla.complaints.do(no, dispatch)
    await settled(sla.engine, sla.store, no)

    theirs = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("agent", COOP_DEPT))
    leads = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("agent", DEPT))
    nobody = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("agent", "hr"))

    assert theirs.status_code == 200, theirs.text
    assert [(i["stage"], i["department"]) for i in theirs.json()["items"]] == [(ACCEPTANCE.value, COOP_DEPT)]
    assert {i["stage"] for i in leads.json()["items"]} >= {"first_response", ACCEPTANCE.value}
    assert nobody.status_code == 404
