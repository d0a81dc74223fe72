"""Benchmark 2: follow and replay — reading the whole store in commit order and folding it,
against a raw SELECT of the same rows; and the analytics read-model rebuild.

The store grows between the sizes, so the figures form a curve. Cases per size:
* raw_select: asyncpg, keyset pages of 1000 in (tx_id, global_position) order, rows untouched;
* read_all: ``PostgresEventStore.read_all`` pages (envelopes built, JSON decoded);
* read_all_fold: the same, each payload decoded and folded into its ``ComplaintState``;
* analytics_rebuild: ``services.analytics.rebuild`` (truncate, replay into the read-model tables).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable

import asyncpg

from shared.complaints import COMPLAINT_EVENTS, ComplaintState, evolve
from shared.db.engine import create_engine
from shared.events import START
from shared.eventstore import PostgresEventStore
from tooling.bench.environment import BenchEnvironment, dsn
from tooling.bench.results import BenchResult, Figure, rate
from tooling.bench.sizes import Sizes
from tooling.bench.workload import complaint_no, new_events, run_id

PAGE = 1000
EVENTS_PER_COMPLAINT = 5
RAW_SELECT = (
    "SELECT global_position, tx_id, stream_id, stream_version, event_id, type, schema_version, occurred_at, "
    "recorded_at, actor, correlation_id, causation_id, trace, payload, content_hash, prev_hash, hash "
    "FROM events WHERE (tx_id, global_position) > ($1, $2) ORDER BY tx_id, global_position LIMIT $3"
)


async def populate(store: PostgresEventStore, complaints: int, writers: int = 8) -> None:
    """Append ``complaints`` five-event lifecycles, ``writers`` at a time."""
    run = run_id()
    numbers = [complaint_no(run, n) for n in range(complaints)]

    async def writer(mine: list[str]) -> None:
        for no in mine:
            await store.append(no, 0, new_events(no, EVENTS_PER_COMPLAINT))

    await asyncio.gather(*(writer(numbers[w::writers]) for w in range(writers)))


async def grown(
    store: PostgresEventStore, conn: asyncpg.Connection, targets: Iterable[int]
) -> AsyncIterator[int]:
    """The store grown to each target size in turn (five-event lifecycles), analysed and
    followable: yields how many events it holds then."""
    stored = 0
    for target in targets:
        await populate(store, (target - stored) // EVENTS_PER_COMPLAINT)
        stored = await conn.fetchval("SELECT count(*) FROM events")
        await conn.execute("VACUUM ANALYZE events")
        await store.wait_until_followable()
        yield stored


async def raw_select(conn: asyncpg.Connection) -> int:
    count, tx_id, position = 0, 0, 0
    while True:
        rows = await conn.fetch(RAW_SELECT, tx_id, position, PAGE)
        if not rows:
            return count
        count += len(rows)
        tx_id, position = rows[-1]["tx_id"], rows[-1]["global_position"]


async def read_all(store: PostgresEventStore, fold: bool) -> int:
    count = 0
    states: dict[str, ComplaintState] = {}
    async for events in store.read_all_pages(START, PAGE):
        if fold:
            for record in events:
                state = states.get(record.stream_id) or ComplaintState.initial()
                states[record.stream_id] = evolve(state, COMPLAINT_EVENTS.decode(record), record.occurred_at)
        count += len(events)
    return count


async def bench_replay(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    from services.analytics.rebuild import rebuild  # the analytics service's own replay

    result = BenchResult("replay", "2. Follow and replay (events/s)")
    settings = await env.scratch("replay")
    engine = create_engine(settings.database_url, pool_size=8, application_name="tousu-bench")
    store = PostgresEventStore(engine)
    conn = await asyncpg.connect(dsn(settings.database_url))
    try:
        async for stored in grown(store, conn, sizes.replay_events):
            figures = {
                case: Figure(case, "events/s", [], {"events": stored})
                for case in ("raw_select", "read_all", "read_all_fold", "analytics_rebuild")
            }
            rebuild_seconds = Figure("analytics_rebuild_time", "s", [], {"events": stored})
            for _ in range(sizes.repeats):
                began = time.perf_counter()
                count = await raw_select(conn)
                figures["raw_select"].runs.append(rate(count, time.perf_counter() - began))
                for case, fold in (("read_all", False), ("read_all_fold", True)):
                    began = time.perf_counter()
                    count = await read_all(store, fold)
                    figures[case].runs.append(rate(count, time.perf_counter() - began))
                began = time.perf_counter()
                report = await rebuild(engine, batch=PAGE)
                took = time.perf_counter() - began
                figures["analytics_rebuild"].runs.append(rate(report.events, took))
                rebuild_seconds.runs.append(took)
            result.figures.extend([*figures.values(), rebuild_seconds])
            result.ratio(
                f"{stored} events: read_all + fold / raw SELECT",
                figures["read_all_fold"],
                figures["raw_select"],
                0.5,
            )
            result.ratio(
                f"{stored} events: analytics rebuild / raw SELECT",
                figures["analytics_rebuild"],
                figures["raw_select"],
            )
        fold_rate = result.figures[-3].median
        rebuild_rate = result.figures[-2].median
        result.notes.append(
            f"Target replay+fold ≥ 100,000 events/s: measured {fold_rate:,.0f} at {stored} events "
            f"({'met' if fold_rate >= 100_000 else 'missed'}). Rebuild of 1,000,000 events extrapolated "
            f"from the largest size: {1_000_000 / rebuild_rate:,.0f} s (run --full to measure it)."
        )
    finally:
        await conn.close()
        await engine.dispose()
    return result
