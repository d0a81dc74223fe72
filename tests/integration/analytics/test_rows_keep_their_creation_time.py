"""analytics_complaints.created_at (migration 0014) is when the complaint's row was first written
(the benchmark's "visible in analytics"): set by the database on insert, kept by every later
event's UPSERT, never written by the projection."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from services.analytics.complaints.projection import AnalyticsProjection
from services.analytics.complaints.rows import COMPLAINT_COLUMNS
from shared.complaints import Status
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tests.integration.analytics.conftest import append_history, history_to, new_number

pytestmark = pytest.mark.integration

NOW = text("SELECT clock_timestamp()")
ROW = text("SELECT version, created_at FROM analytics_complaints WHERE complaint_no = :n")


async def test_the_row_keeps_the_time_of_its_first_insert(database_url: str) -> None:
    assert "created_at" not in COMPLAINT_COLUMNS  # the projection never writes it
    engine = create_engine(database_url, pool_size=2)
    try:
        store = PostgresEventStore(engine)
        no = new_number()
        version = await append_history(store, no, history_to(Status.CLOSED, no))
        events = await store.read_stream(no)
        assert version == len(events) > 2

        async with engine.begin() as conn:
            before: datetime = (await conn.execute(NOW)).scalar_one()
            await AnalyticsProjection().project(
                conn, store.bound(conn), events[:1]
            )  # ComplaintReceived: the INSERT
            after: datetime = (await conn.execute(NOW)).scalar_one()
        async with engine.connect() as conn:
            first = (await conn.execute(ROW, {"n": no})).one()
        assert first.version == 1
        assert before < first.created_at < after  # the insert's instant, not the transaction's start

        for event in events[1:]:  # each later event an UPSERT of its own, in its own transaction
            async with engine.begin() as conn:
                await AnalyticsProjection().project(conn, store.bound(conn), [event])
        async with engine.connect() as conn:
            last = (await conn.execute(ROW, {"n": no})).one()
        assert last.version == version
        assert last.created_at == first.created_at
    finally:
        await engine.dispose()
