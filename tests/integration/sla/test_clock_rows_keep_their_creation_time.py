"""sla_deadlines.created_at (migration 0014) is when the clock's row was inserted (the benchmark's
"SLA set" is the first-response clock's, generation 1): set by the database, kept when the clock
is updated (stopped, moved), never written by the service."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from services.sla.repository import COLUMNS
from shared.complaints import Grade
from tests.builders import DEPT, OTHER_DEPT
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import FIRST, clock_of, deadlines

pytestmark = pytest.mark.integration

NOW = text("SELECT clock_timestamp()")
CREATED = text(
    "SELECT generation, created_at FROM sla_deadlines WHERE complaint_no = :n AND stage = 'first_response' "
    "ORDER BY generation"
)


async def test_a_clock_row_keeps_the_time_it_was_inserted(bare: Bare) -> None:
    assert "created_at" not in COLUMNS  # the service neither writes nor reads it
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.clocks.catch_up(no)
    await bare.complaints.assign(no, DEPT)
    async with bare.engine.connect() as conn:
        before: datetime = (await conn.execute(NOW)).scalar_one()
    await bare.clocks.catch_up(no)  # the assignment starts the first-response clock: the INSERT
    async with bare.engine.connect() as conn:
        after: datetime = (await conn.execute(NOW)).scalar_one()
        [(generation, inserted)] = (await conn.execute(CREATED, {"n": no})).all()
    assert generation == 1
    assert before < inserted < after
    assert inserted != clock_of(await deadlines(bare.engine, no), FIRST).started_at  # not domain time

    bare.clock.advance(timedelta(minutes=30))
    await bare.complaints.transfer(no, OTHER_DEPT)  # stops generation 1 (UPDATE), starts generation 2
    await bare.clocks.catch_up(no)
    async with bare.engine.connect() as conn:
        rows = (await conn.execute(CREATED, {"n": no})).all()
    assert clock_of(await deadlines(bare.engine, no), FIRST).stopped_at is not None
    assert [generation for generation, _ in rows] == [1, 2]
    assert rows[0].created_at == inserted
    assert rows[1].created_at > inserted
