"""`tousu import` of a few thousand rows of a public complaint register (tests/support/history_register.py,
read by the checked-in deploy/import/mapping.example.yaml), through the CLI into a real PostgreSQL:

* every row is imported or refused for its reason, and a re-run imports nothing new;
* analytics (rebuilt from the store) counts by channel, category and month what the file holds,
  with the outcomes and their dates;
* history is history: the services' own handlers, fed the imported events, acknowledge nobody,
  start no clock of the past, and fire no breach, warning, escalation or notification; an open
  imported complaint is dispatched to the department its record names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.rebuild import rebuild
from services.intake.handlers import AcknowledgementHandler
from services.routing.handlers import IMPORTED_RULE, AssignOnReceipt
from services.routing.rules import load_rules
from shared.clock import FakeClock
from shared.complaints import COMPLAINT_EVENTS, ComplaintAssigned, ComplaintReceived, HistoricalOutcome
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.consumer import HandlerContext
from tests.conftest import DatabaseFactory
from tests.integration.sla.support import all_clocks
from tests.support.history_register import MAPPING, Ran, Register, register, run_import

pytestmark = pytest.mark.integration

ROWS = 3000


class CountingNotifier:
    """Intake's notifier that counts what it was asked to send."""

    name = "counting"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def acknowledge(self, complaint_no: str, channel: str) -> str:
        self.sent.append(complaint_no)
        return "ack.received"


@dataclass
class Imported:
    url: str
    engine: AsyncEngine
    store: PostgresEventStore
    made: Register
    first: Ran
    file: object


async def all_events(store: PostgresEventStore) -> list[RecordedEvent]:
    """Every stored event in commit order. Read by stream, not with ``read_all``: a follower's read
    stops below the oldest transaction running anywhere on the server, which another test's may be."""
    async with store.engine.connect() as conn:
        ids = list((await conn.execute(text("SELECT DISTINCT stream_id FROM events"))).scalars())
    streams = await store.read_streams(ids)
    return sorted((e for events in streams.values() for e in events), key=lambda e: e.global_position)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def imported(
    new_database: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Imported]:
    made = register(ROWS)
    url = await new_database()
    file = made.write_csv(tmp_path_factory.mktemp("register") / "register.csv")
    first = await run_import(url, file, "--mapping", MAPPING, "--json")
    engine = create_engine(url, pool_size=2)
    try:
        yield Imported(url, engine, PostgresEventStore(engine), made, first, file)
    finally:
        await engine.dispose()


async def test_every_row_is_imported_or_refused_for_its_reason(imported: Imported) -> None:
    made, ran = imported.made, imported.first
    assert ran.code == 1, ran.err  # some rows are refused
    summary = ran.summary
    assert summary["rows"] == summary["read"] == ROWS
    assert summary["imported"] == made.valid
    assert summary["already_there"] == 0
    assert summary["refused"] == sum(made.refused.values())
    assert summary["by_reason"] == dict(sorted(made.refused.items()))
    for refusal in summary["refusals"]:
        assert refusal["row"] >= 1 and refusal["row_id"] and refusal["field"]
        assert refusal["message"] and refusal["message_zh"]
    assert "import:" in ran.err  # plain progress lines when stderr is not a terminal
    received = [e for e in await all_events(imported.store) if e.type == ComplaintReceived.event_type]
    assert len(received) == made.valid


async def test_analytics_counts_what_the_file_holds(imported: Imported) -> None:
    made = imported.made
    await rebuild(imported.engine)
    async with imported.engine.connect() as conn:

        async def counted(column: str) -> Counter[str]:
            rows = await conn.execute(
                text(f"SELECT {column} AS key, count(*) FROM analytics_complaints GROUP BY 1")
            )
            return Counter({row.key: row.count for row in rows})

        assert await counted("channel") == made.by_channel
        assert await counted("category") == made.by_category
        month = "to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        assert await counted(month) == made.by_month
        statuses = await counted("status")
        assert statuses["closed"] == made.by_outcome["closed"]
        assert statuses["resolved"] == made.by_outcome["resolved"]
        dated = await conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE resolved_at IS NULL OR resolved_at < received_at), "
                "count(*) FILTER (WHERE status = 'closed' "
                "AND (closed_at IS NULL OR closed_at < resolved_at)), "
                "max(coalesce(closed_at, resolved_at)) FROM analytics_complaints "
                "WHERE status IN ('resolved', 'closed')"
            )
        )
        undated, misdated, latest = dated.one()
    assert undated == misdated == 0
    assert latest < datetime(2025, 2, 1, tzinfo=UTC)  # the records' dates, not the import's


async def test_history_is_not_acknowledged_dispatched_as_recorded_and_fires_nothing(
    imported: Imported,
) -> None:
    store, engine = imported.store, imported.engine
    received = [e for e in await all_events(store) if e.type == ComplaintReceived.event_type]
    import_end = max(e.occurred_at for e in received)
    clock = FakeClock(import_end + timedelta(seconds=1))
    notifier = CountingNotifier()
    acknowledge = AcknowledgementHandler(notifier, clock)
    dispatch = AssignOnReceipt(load_rules(), clock)
    for start in range(0, len(received), 500):
        batch = received[start : start + 500]
        async with engine.begin() as conn:
            await acknowledge.handle(batch, HandlerContext(conn, store.bound(conn)))
        async with engine.begin() as conn:
            await dispatch.handle(batch, HandlerContext(conn, store.bound(conn)))
    assert notifier.sent == []

    # the sla consumer's handler over every event so far, then the firer a minute later
    sla = all_clocks(engine, store, clock)
    events = await all_events(store)
    for start in range(0, len(events), 500):
        async with engine.begin() as conn:
            await sla.clocks.keeper.handle_batch(
                events[start : start + 500], HandlerContext(conn, store.bound(conn))
            )
    await sla.firer.fire_due(import_end + timedelta(minutes=1))
    assert sla.notifier.sent == []

    history = {e.stream_id: COMPLAINT_EVENTS.decode(e) for e in received}
    open_ones = {
        no
        for no, r in history.items()
        if isinstance(r, ComplaintReceived) and r.imported and r.imported.outcome is HistoricalOutcome.OPEN
    }
    async with engine.connect() as conn:
        clocks = (await conn.execute(text("SELECT complaint_no, stage, started_at FROM sla_deadlines"))).all()
    assert clocks, "open imported complaints have clocks"
    assert {row.complaint_no for row in clocks} <= open_ones  # none for resolved or closed history
    assert all(row.started_at >= min(e.occurred_at for e in received) for row in clocks)  # from the import
    assert "acknowledgement" not in {row.stage for row in clocks}

    after = await all_events(store)
    types = Counter(e.type for e in after)
    for fired in (
        "SlaBreached",
        "SlaWarningRaised",
        "ComplaintEscalated",
        "ComplaintAcknowledged",
        "CommandRejected",
    ):
        assert types[fired] == 0, fired
    assigned = [COMPLAINT_EVENTS.decode(e) for e in after if e.type == ComplaintAssigned.event_type]
    assert len(assigned) == len(open_ones)  # history that is over is not dispatched
    by_record = [a for a in assigned if isinstance(a, ComplaintAssigned) and a.rule == IMPORTED_RULE]
    assert len(by_record) == imported.made.open_with_department


async def test_a_second_run_imports_nothing_new(imported: Imported) -> None:
    before = len(await all_events(imported.store))
    again = await run_import(imported.url, imported.file, "--mapping", MAPPING, "--json")
    summary = again.summary
    assert again.code == 1, again.err  # the same rows are refused again
    assert summary["imported"] == 0
    assert summary["already_there"] == imported.made.valid
    assert summary["refused"] == sum(imported.made.refused.values())
    assert len(await all_events(imported.store)) == before
