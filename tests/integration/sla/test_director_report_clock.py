"""The director's clock: a report beyond the handler's authority starts 24 h; the director is
warned, and when no instruction comes the breach escalates; an instruction stops it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.notifier import NotificationKind, RecordingNotifier
from services.sla.repository import DeadlineState
from shared.complaints import ComplaintEscalated, Grade, SlaBreached, SlaStage
from tests.builders import DEPT, agent, director_instruction, report_beyond_authority
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import clock_of, deadlines, firer, settled

pytestmark = pytest.mark.integration

DIRECTOR = SlaStage.DIRECTOR_REPORT


async def reported(sla: Sla) -> str:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await sla.complaints.do(no, report_beyond_authority(by=agent(DEPT), when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)
    return no


async def test_no_instruction_warns_the_director_then_breaches(sla: Sla) -> None:
    notifier = RecordingNotifier()
    fire = firer(sla.engine, sla.clock, notifier=notifier)
    start = sla.clock.now()
    no = await reported(sla)
    row = clock_of(await deadlines(sla.engine, no), DIRECTOR)
    assert (row.due_at, row.department) == (start + timedelta(hours=24), DEPT)

    sla.clock.set(start + timedelta(hours=20))
    await fire.fire_due()
    sla.clock.set(start + timedelta(hours=24, seconds=1))
    await fire.fire_due()

    types = await sla.complaints.types(no)
    assert types[-3:] == ["SlaWarningRaised", "SlaBreached", "ComplaintEscalated"]
    assert await sla.complaints.payloads(no, "SlaBreached") == [
        SlaBreached(stage=DIRECTOR, deadline=start + timedelta(hours=24), department=DEPT)
    ]
    [escalated] = await sla.complaints.payloads(no, "ComplaintEscalated")
    assert isinstance(escalated, ComplaintEscalated)
    assert (escalated.stage, escalated.level) == (DIRECTOR, 1)
    mine = [(n.kind, n.to_role) for n in notifier.sent if n.complaint_no == no]
    assert mine[0] == (NotificationKind.WARNING, "director")
    assert clock_of(await deadlines(sla.engine, no), DIRECTOR).state is DeadlineState.BREACHED


async def test_the_instruction_stops_the_clock(sla: Sla) -> None:
    start = sla.clock.now()
    no = await reported(sla)

    sla.clock.set(start + timedelta(hours=2))
    await sla.complaints.do(no, director_instruction(when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)
    sla.clock.set(start + timedelta(hours=25))
    await firer(sla.engine, sla.clock).fire_due()

    row = clock_of(await deadlines(sla.engine, no), DIRECTOR)
    assert (row.state, row.stop_reason) == (DeadlineState.STOPPED, StopReason.DIRECTOR_INSTRUCTED)
    breaches = await sla.complaints.payloads(no, "SlaBreached")
    assert all(isinstance(b, SlaBreached) and b.stage is not DIRECTOR for b in breaches)
