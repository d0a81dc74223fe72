"""Complaint events, consumed from Kafka, start the clocks in sla_deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_receipt_starts_the_resolution_clock(sla: Sla) -> None:
    received_at = sla.clock.now()
    no = await sla.complaints.receive(Grade.GENERAL)
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    assert len(rows) == 1
    resolution = clock_of(rows, RESOLUTION)
    assert resolution.grade is Grade.GENERAL
    assert resolution.department is None
    assert resolution.started_at == received_at
    assert resolution.due_at == received_at + timedelta(hours=72)
    assert resolution.warn_at == received_at + timedelta(hours=72) * 0.8
    assert resolution.state is DeadlineState.OPEN


async def test_assignment_starts_first_response_and_hands_resolution_to_the_department(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.URGENT)
    sla.clock.advance(timedelta(minutes=30))
    assigned_at = sla.clock.now()
    await sla.complaints.assign(no, DEPT)
    await settled(sla.engine, sla.store, no)

    rows = await deadlines(sla.engine, no)
    assert len(rows) == 2
    first = clock_of(rows, FIRST)
    assert (first.grade, first.department) == (Grade.URGENT, DEPT)
    assert first.started_at == assigned_at
    assert first.due_at == assigned_at + timedelta(hours=4)
    assert first.warn_at == assigned_at + timedelta(hours=3, minutes=12)
    resolution = clock_of(rows, RESOLUTION)
    assert resolution.department == DEPT
    assert resolution.due_at == assigned_at - timedelta(minutes=30) + timedelta(hours=24)
