"""Benchmark 6: SLA timers — firing lag and memory with N open deadlines.

The sla service's own ``DeadlineFirer.fire_due`` and ``sla_deadlines`` table: N open clocks
due weeks ahead (inserted in bulk), plus ``due_timers`` clocks whose warning is due now, on
complaints that exist in the store. ``fire_due(now)`` claims, checks each stream, appends the
SlaWarningRaised and marks the row. The lag figure is how long after the due instant the last
due timer was fired (the fire loop adds at most one tick, TOUSU_SLA_TICK_SECONDS, before it);
memory is this process's resident set after firing, and the table's size on disk.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import asyncpg
import psutil

from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tooling.bench.environment import BenchEnvironment, dsn
from tooling.bench.results import BenchResult, Figure, rate
from tooling.bench.sizes import Sizes
from tooling.bench.workload import complaint_no, new_events, run_id

OPEN = """
INSERT INTO sla_deadlines (complaint_no, stage, generation, grade, department, started_at,
                           warn_fraction, warn_at, due_at, started_by, started_version)
SELECT $1::text || g, 'resolution', 1, 'general', 'quality', $2::timestamptz, 0.8,
       $2::timestamptz + interval '20 days' + g * interval '1 second',
       $2::timestamptz + interval '25 days' + g * interval '1 second',
       gen_random_uuid(), 1
  FROM generate_series($3::int, $4::int) AS g
"""
DUE = """
INSERT INTO sla_deadlines (complaint_no, stage, generation, grade, department, started_at,
                           warn_fraction, warn_at, due_at, started_by, started_version)
VALUES ($1, 'resolution', 1, 'general', 'quality', $2, 0.8, $3, $4, $5, 1)
"""


async def bench_timers(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    from services.sla.firing import DeadlineFirer  # the sla service's own fire loop
    from services.sla.policy import load_policy

    result = BenchResult("timers", "6. SLA timers (firing lag, memory) with N open deadlines")
    settings = await env.scratch("timers")
    engine = create_engine(settings.database_url, pool_size=4, application_name="tousu-bench")
    store = PostgresEventStore(engine)
    clock = SystemClock()
    firer = DeadlineFirer(engine, load_policy(None), clock, batch_size=100)
    conn = await asyncpg.connect(dsn(settings.database_url))
    process = psutil.Process()
    run = run_id()
    opened = 0
    try:
        for target in sizes.open_deadlines:
            await conn.execute(OPEN, f"OPEN-{run}-", clock.now(), opened + 1, target)
            opened = target
            await conn.execute("VACUUM ANALYZE sla_deadlines")
            lag = Figure("firing_lag", "s", [], {"open_deadlines": opened, "due": sizes.due_timers})
            fired = Figure(
                "timers_fired", "timers/s", [], {"open_deadlines": opened, "due": sizes.due_timers}
            )
            rss = Figure("process_rss", "MiB", [], {"open_deadlines": opened})
            for _ in range(sizes.repeats):
                due_at = await _make_due(conn, store, sizes.due_timers)
                began = time.perf_counter()
                report = await firer.fire_due()
                took = time.perf_counter() - began
                if report.warned != sizes.due_timers:
                    result.notes.append(f"expected {sizes.due_timers} warnings, fired {vars(report)}")
                lag.runs.append((clock.now() - due_at).total_seconds())
                fired.runs.append(rate(report.warned, took))
                rss.runs.append(process.memory_info().rss / 2**20)
            size = await conn.fetchval("SELECT pg_total_relation_size('sla_deadlines')")
            result.figures.extend(
                [lag, fired, rss, Figure("table_size", "MiB", [size / 2**20], {"open_deadlines": opened})]
            )
        at_most = [f for f in result.figures if f.case == "firing_lag"][-1].median
        result.notes.append(
            f"Target firing lag < 1 s with 1,000,000 open deadlines: median {at_most:.3f} s for the last of "
            f"{sizes.due_timers} timers due at once with {max(sizes.open_deadlines):,} open, "
            "plus up to one tick (TOUSU_SLA_TICK_SECONDS, 1 s by default) in the service."
        )
    finally:
        await conn.close()
        await engine.dispose()
    return result


async def _make_due(conn: asyncpg.Connection, store: PostgresEventStore, count: int) -> datetime:
    """``count`` complaints in the store whose resolution warning is due now; returns the due instant."""
    run = run_id()
    numbers = [complaint_no(run, n) for n in range(count)]
    recorded = await asyncio.gather(*(store.append(no, 0, new_events(no, 1)) for no in numbers))
    now = SystemClock().now()
    due = now - timedelta(milliseconds=1)
    for no, appended in zip(numbers, recorded, strict=True):
        await conn.execute(
            DUE, no, now - timedelta(hours=1), due, now + timedelta(days=1), appended.events[0].event_id
        )
    return due
