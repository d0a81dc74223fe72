"""Benchmark 1: event-store append, events/s, against the eventsourcing library's PostgreSQL
recorder and raw asyncpg INSERTs of the same rows into the same table (the ceiling).

Each run stores ``append_events`` events into new streams from W concurrent writers: one
event per transaction ("single"), or ``batch`` events of one stream per transaction ("batch").
The three systems take turns within each repeat, in the same database.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import create_engine
from shared.events import NewEvent
from shared.eventstore import PostgresEventStore
from tooling.bench.environment import BenchEnvironment, dsn
from tooling.bench.results import BenchResult, Figure, rate
from tooling.bench.sizes import Sizes
from tooling.bench.workload import complaint_no, new_events, run_id

TOUSU = "tousu"
EVENTSOURCING = "eventsourcing"
RAW = "raw_asyncpg"

Work = list[list[tuple[str, list[NewEvent]]]]
"""Per writer: the streams it creates, each with its events."""

RAW_COLUMNS = (
    "stream_id, stream_version, event_id, type, schema_version, occurred_at, actor, correlation_id, "
    "causation_id, trace, payload, content_hash, prev_hash, hash"
)
RAW_INSERT = (
    f"INSERT INTO events ({RAW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)
RAW_INSERT_MANY = (
    f"INSERT INTO events ({RAW_COLUMNS}) SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], "
    "$5::int[], $6::timestamptz[], $7::jsonb[], $8::uuid[], $9::uuid[], $10::jsonb[], $11::jsonb[], "
    "$12::bytea[], $13::bytea[], $14::bytea[])"
)

TARGETS = {
    ("single", "raw"): 0.6,
    ("single", "eventsourcing"): 5.0,
    ("batch", "raw"): 0.7,
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_work(writers: int, events: int, per_stream: int) -> Work:
    run = run_id()
    streams = [
        (complaint_no(run, n), new_events(complaint_no(run, n), per_stream))
        for n in range(max(1, events // per_stream))
    ]
    return [streams[w::writers] for w in range(writers)]


def raw_rows(stream_id: str, events: Sequence[NewEvent]) -> list[tuple[Any, ...]]:
    """The rows tousu_append would insert, with the hash chain computed here."""
    rows = []
    prev: bytes | None = None
    for version, e in enumerate(events, start=1):
        content = e.content_hash(stream_id)
        digest = hashlib.sha256((prev or b"") + content).digest()
        rows.append(
            (
                stream_id, version, e.event_id, e.type, e.schema_version, e.occurred_at,
                _dumps(e.actor.as_dict()), e.correlation_id, e.causation_id, _dumps(e.trace),
                _dumps(e.payload), content, prev, digest,
            )
        )  # fmt: skip
        prev = digest
    return rows


# --- the three systems --------------------------------------------------------------------


async def run_tousu(engine: AsyncEngine, work: Work) -> float:
    store = PostgresEventStore(engine)

    async def writer(streams: list[tuple[str, list[NewEvent]]]) -> None:
        for no, events in streams:
            await store.append(no, 0, events)

    started = time.perf_counter()
    await asyncio.gather(*(writer(streams) for streams in work))
    return time.perf_counter() - started


async def run_raw(pool: asyncpg.Pool, work: Work) -> float:
    prepared = [[raw_rows(no, events) for no, events in streams] for streams in work]

    async def writer(streams: list[list[tuple[Any, ...]]]) -> None:
        async with pool.acquire() as conn:
            for rows in streams:
                if len(rows) == 1:
                    await conn.execute(RAW_INSERT, *rows[0])
                else:
                    await conn.execute(RAW_INSERT_MANY, *[list(column) for column in zip(*rows, strict=True)])

    started = time.perf_counter()
    await asyncio.gather(*(writer(streams) for streams in prepared))
    return time.perf_counter() - started


class EventsourcingRecorder:
    """The eventsourcing library's PostgresApplicationRecorder (psycopg 3, threads), same database."""

    def __init__(self, database_url: str, pool_size: int) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        url = make_url(database_url)
        self.datastore = PostgresDatastore(
            dbname=url.database or "postgres",
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password or "",
            pool_size=pool_size,
        )
        self.recorder = PostgresApplicationRecorder(self.datastore, events_table_name="es_stored_events")
        self.recorder.create_table()
        self.pool_size = pool_size

    def close(self) -> None:
        self.datastore.close()

    async def run(self, work: Work) -> float:
        from eventsourcing.persistence import StoredEvent

        prepared = [
            [
                [
                    StoredEvent(
                        originator_id=uuid.uuid5(uuid.NAMESPACE_URL, no),
                        originator_version=version,
                        topic=e.type,
                        state=_dumps(
                            {"id": str(e.event_id), "actor": e.actor.as_dict(), "payload": e.payload}
                        ).encode(),
                    )
                    for version, e in enumerate(events, start=1)
                ]
                for no, events in streams
            ]
            for streams in work
        ]

        def writer(streams: list[list[Any]]) -> None:
            for stored in streams:
                self.recorder.insert_events(stored)

        def all_writers() -> float:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
                for future in [pool.submit(writer, streams) for streams in prepared]:
                    future.result()
            return time.perf_counter() - started

        return await asyncio.to_thread(all_writers)


def eventsourcing_available() -> bool:
    try:
        import eventsourcing.postgres  # noqa: F401
    except ImportError:
        return False
    return True


# --- the benchmark ------------------------------------------------------------------------


class System:
    """One contender: connections opened before timing, closed right after (so the bench never
    holds more than ``writers`` connections of the shared server at once)."""

    def __init__(self, name: str, database_url: str, writers: int) -> None:
        self.name = name
        self.database_url = database_url
        self.writers = writers

    async def measure(self, work: Work) -> float:
        """Seconds to store ``work``; connection setup and a warm-up are not timed."""
        warm = make_work(self.writers, self.writers * len(work[0][0][1]), len(work[0][0][1]))
        if self.name == TOUSU:
            engine = create_engine(self.database_url, pool_size=self.writers, application_name="tousu-bench")
            try:
                await _warm_up(engine, self.writers)
                await run_tousu(engine, warm)
                return await run_tousu(engine, work)
            finally:
                await engine.dispose()
        if self.name == RAW:
            pool = await asyncpg.create_pool(
                dsn(self.database_url), min_size=self.writers, max_size=self.writers
            )
            try:
                await run_raw(pool, warm)
                return await run_raw(pool, work)
            finally:
                await pool.close()
        recorder = await asyncio.to_thread(EventsourcingRecorder, self.database_url, self.writers)
        try:
            await recorder.run(warm)
            return await recorder.run(work)
        finally:
            await asyncio.to_thread(recorder.close)


async def bench_append(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult("append", "1. Event-store append (events/s)")
    settings = await env.scratch("append")
    names = [TOUSU, RAW]
    if eventsourcing_available():
        names.append(EVENTSOURCING)
    else:
        result.notes.append(
            "eventsourcing is not installed (pip install -e '.[bench]'): its column is missing"
        )
    for mode, per_stream in (("single", 1), ("batch", sizes.batch)):
        for writers in sizes.writers:
            figures = {
                name: Figure(name, "events/s", [], {"mode": mode, "writers": writers, "batch": per_stream})
                for name in names
            }
            for _ in range(sizes.repeats):
                for name in names:  # the systems take turns within each repeat
                    work = make_work(writers, sizes.append_events, per_stream)
                    count = sum(len(events) for streams in work for _, events in streams)
                    seconds = await System(name, settings.database_url, writers).measure(work)
                    figures[name].runs.append(rate(count, seconds))
            result.figures.extend(figures.values())
            last = writers == max(sizes.writers)
            raw_target = TARGETS.get((mode, "raw")) if mode == "batch" or last else None
            result.ratio(
                f"{mode}, {writers} writers: tousu / raw asyncpg", figures[TOUSU], figures[RAW], raw_target
            )
            if EVENTSOURCING in figures:
                result.ratio(
                    f"{mode}, {writers} writers: tousu / eventsourcing",
                    figures[TOUSU],
                    figures[EVENTSOURCING],
                    TARGETS.get((mode, "eventsourcing")) if last else None,
                )
    return result


async def _warm_up(engine: AsyncEngine, writers: int) -> None:
    async def one() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)

    await asyncio.gather(*(one() for _ in range(writers)))
