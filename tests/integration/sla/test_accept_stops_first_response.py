"""Accepting the complaint stops the first-response clock: no warning, no breach after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_acceptance_stops_the_first_response_clock(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    sla.clock.advance(timedelta(hours=2))
    accepted = await sla.complaints.accept(no, DEPT)
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    first = clock_of(rows, FIRST)
    assert first.state is DeadlineState.STOPPED
    assert first.stop_reason is StopReason.ACCEPTED
    assert first.stopped_at == start + timedelta(hours=2)
    assert first.stopped_by == accepted.recorded[0].event_id
    assert clock_of(rows, RESOLUTION).state is DeadlineState.OPEN

    sla.clock.set(start + timedelta(hours=13))  # past the 12 h first-response limit
    await sla.firer.fire_due()
    types = await sla.complaints.types(no)
    assert "SlaBreached" not in types
    assert "SlaWarningRaised" not in types
