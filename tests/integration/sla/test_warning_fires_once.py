"""At 80% of a time limit exactly one SlaWarningRaised is recorded, however often the loop runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.repository import DeadlineState
from shared.complaints import Grade, SlaStage, SlaWarningRaised
from shared.events import Actor
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import RESOLUTION, clock_of, deadlines, settled

pytestmark = pytest.mark.integration


async def test_eighty_percent_of_the_time_raises_one_warning(sla: Sla) -> None:
    start = sla.clock.now()
    no = await sla.complaints.receive(Grade.URGENT)  # resolution: 24 h, warning after 19.2 h
    await settled(sla.engine, sla.store, no)

    sla.clock.set(start + timedelta(hours=19, minutes=11))
    await sla.firer.fire_due()
    assert "SlaWarningRaised" not in await sla.complaints.types(no)

    sla.clock.set(start + timedelta(hours=19, minutes=12))
    await sla.firer.fire_due()
    sla.clock.advance(timedelta(minutes=5))
    await sla.firer.fire_due()
    await sla.firer.fire_due()

    warnings = await sla.complaints.payloads(no, "SlaWarningRaised")
    assert warnings == [
        SlaWarningRaised(stage=SlaStage.RESOLUTION, deadline=start + timedelta(hours=24), fraction=0.8)
    ]
    [record] = [r for r in await sla.complaints.records(no) if r.type == "SlaWarningRaised"]
    assert record.actor == Actor.service("sla")
    assert record.occurred_at == start + timedelta(hours=19, minutes=12)

    row = clock_of(await deadlines(sla.engine, no), RESOLUTION)
    assert row.warned_at == start + timedelta(hours=19, minutes=12)
    assert row.state is DeadlineState.WARNED
    assert (row.breached_at, row.stopped_at) == (None, None)
