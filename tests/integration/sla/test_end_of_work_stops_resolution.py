"""Resolving (or withdrawing) the complaint stops the resolution clock: nothing fires after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT, withdraw
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_resolution_stops_the_resolution_clock(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.COMPLEX)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    sla.clock.advance(timedelta(hours=30))
    await sla.complaints.resolve(no, DEPT)
    await settled(sla.engine, sla.store, no)

    resolution = clock_of(await deadlines(sla.engine, no), RESOLUTION)
    assert resolution.state is DeadlineState.STOPPED
    assert resolution.stop_reason is StopReason.RESOLVED
    assert resolution.stopped_at == start + timedelta(hours=30)

    sla.clock.set(start + timedelta(hours=100))
    await sla.firer.fire_due()
    types = await sla.complaints.types(no)
    assert not {"SlaWarningRaised", "SlaBreached", "ComplaintEscalated"} & set(types)


async def test_withdrawal_stops_every_clock(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.URGENT)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.do(no, withdraw(when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    assert {(r.stage, r.stop_reason) for r in rows} == {
        (FIRST, StopReason.WITHDRAWN),
        (RESOLUTION, StopReason.WITHDRAWN),
    }
    sla.clock.set(start + timedelta(hours=30))
    await sla.firer.fire_due()
    assert (await sla.complaints.types(no))[-1] == "ComplaintWithdrawn"
