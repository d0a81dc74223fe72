"""Two sla instances (two engines, two fire loops) on one database fire each timer exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from services.sla.firing import FireReport
from shared.complaints import ComplaintEscalated, Grade
from shared.db.engine import create_engine
from tests.builders import DEPT
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import firer

pytestmark = pytest.mark.integration

COMPLAINTS = 30


async def test_concurrent_fire_due_calls_fire_every_timer_once(bare: Bare) -> None:
    start = bare.clock.now()
    numbers = []
    for _ in range(COMPLAINTS):
        no = await bare.complaints.receive(Grade.URGENT)  # first response 4 h, resolution 24 h
        await bare.complaints.assign(no, DEPT)
        await bare.clocks.catch_up(no)
        numbers.append(no)
    url = bare.engine.url.render_as_string(hide_password=False)
    other_engine = create_engine(url)
    one = firer(bare.engine, bare.clock, batch_size=4)
    two = firer(other_engine, bare.clock, batch_size=4)

    async def both_until_quiet() -> list[FireReport]:
        """Both instances at once, then more ticks until neither has anything left to do."""
        reports = list(await asyncio.gather(one.fire_due(), two.fire_due()))
        while True:
            more = await asyncio.gather(one.fire_due(), two.fire_due())
            reports += more
            if not any(r.handled or r.deferred or r.failed for r in more):
                return reports

    try:
        bare.clock.set(start + timedelta(hours=3, minutes=30))  # first-response warnings due
        warned = await both_until_quiet()
        bare.clock.set(start + timedelta(hours=25))  # both limits run out
        breached = await both_until_quiet()
    finally:
        await other_engine.dispose()

    assert sum(r.warned for r in warned) == COMPLAINTS
    assert sum(r.breached for r in breached) == 2 * COMPLAINTS
    assert sum(r.escalated for r in breached) == 2 * COMPLAINTS
    assert sum(r.failed for r in warned + breached) == 0
    for no in numbers:
        types = Counter(await bare.complaints.types(no))
        assert types["SlaWarningRaised"] == 1, no
        assert types["SlaBreached"] == 2, no
        assert types["ComplaintEscalated"] == 2, no
        escalations = await bare.complaints.payloads(no, "ComplaintEscalated")
        assert sorted(e.level for e in escalations if isinstance(e, ComplaintEscalated)) == [1, 2]
    async with bare.engine.connect() as conn:
        left = (
            await conn.execute(
                text("SELECT count(*) FROM sla_deadlines WHERE stopped_at IS NULL AND breached_at IS NULL")
            )
        ).scalar_one()
    assert left == 0
