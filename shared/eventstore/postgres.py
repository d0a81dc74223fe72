"""The PostgreSQL event store: one round trip per append, no table-wide lock.

Writers contend only on their own stream (the unique (stream_id, stream_version) index);
the hash chain and the expected-version check run inside `tousu_append` (migration 0001).
Followers read in commit order, (tx_id, global_position), and only below the oldest running
transaction, so an event committed late is never skipped.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pydantic_core
from asyncpg.pgproto.pgproto import UUID as PgUUID
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import START, Actor, NewEvent, Position, RecordedEvent, Role
from shared.events.canonical import canonical_json, format_timestamp, sha256
from shared.eventstore.chain import StreamChecker
from shared.eventstore.errors import (
    ConcurrencyError,
    EmptyAppend,
    EventIdConflict,
    PartialBatchConflict,
    StaleTransaction,
)
from shared.eventstore.interface import AppendResult, VerifyReport

COLUMNS = (
    "global_position, tx_id, stream_id, stream_version, event_id, type, schema_version, occurred_at, "
    "recorded_at, actor, correlation_id, causation_id, trace, payload, content_hash, prev_hash, hash"
)

APPEND = text(
    "SELECT event_id, stream_version, global_position, tx_id, recorded_at, prev_hash, hash "
    "FROM tousu_append(:stream, :expected, :ids, :types, :schema_versions, :occurred_at, :actors, "
    ":correlation_ids, :causation_ids, :traces, :payloads, :content_hashes)"
)
# Reads go through the asyncpg connection itself ($n parameters), skipping SQLAlchemy's row
# objects; the JSON columns come back as text and are decoded once each (replay speed).
# The hashes come as hex text, which is what RecordedEvent holds (encode(NULL) is NULL). The UUIDs
# come as their 16 bytes (uuid_send) and become the driver's own UUID type (asyncpg's, as a uuid
# column gives) only while the page is built with the collector paused: decoded by the driver, they
# were two or three more GC-tracked objects per row, made while the fetch runs, which kept young
# collections going and promoted whole pages (see events_from_rows).
FAST_COLUMNS = (
    "global_position, tx_id, stream_id, stream_version, uuid_send(event_id), type, schema_version, "
    "occurred_at, recorded_at, actor::text, uuid_send(correlation_id), uuid_send(causation_id), "
    "trace::text, payload::text, encode(prev_hash, 'hex'), encode(hash, 'hex')"
)
READ_STREAM = text(
    f"SELECT {COLUMNS} FROM events WHERE stream_id = :stream AND stream_version >= :from_version "
    "ORDER BY stream_version"
)
FAST_READ_STREAM = (
    f"SELECT {FAST_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version"
)
FAST_READ_STREAMS = (
    f"SELECT {FAST_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version"
)
# Several streams in one statement: tousu_append once per stream (each with all its checks), the
# events of stream n being elements lo..hi of the flat arrays. One round trip, one atomic unit.
APPEND_MANY = (
    "SELECT s.n, r.event_id, r.stream_version, r.global_position, r.tx_id, r.recorded_at, r.prev_hash, "
    "r.hash FROM unnest($1::text[], $2::integer[], $3::integer[], $4::integer[]) "
    "WITH ORDINALITY AS s(stream, expected, lo, hi, n) "
    "CROSS JOIN LATERAL tousu_append(s.stream, s.expected, ($5::uuid[])[s.lo:s.hi], "
    "($6::text[])[s.lo:s.hi], ($7::integer[])[s.lo:s.hi], ($8::timestamptz[])[s.lo:s.hi], "
    "($9::jsonb[])[s.lo:s.hi], ($10::uuid[])[s.lo:s.hi], ($11::uuid[])[s.lo:s.hi], "
    "($12::jsonb[])[s.lo:s.hi], ($13::jsonb[])[s.lo:s.hi], ($14::bytea[])[s.lo:s.hi]) AS r "
    "ORDER BY s.n, r.stream_version"
)
STREAM_VERSION = text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :stream")
FAST_READ_ALL = (
    f"SELECT {FAST_COLUMNS} FROM events "
    "WHERE (tx_id, global_position) > ($1, $2) "
    "AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
    "ORDER BY tx_id, global_position LIMIT $3"
)
HORIZON = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
FAST_READ_PERIOD = (
    f"SELECT {FAST_COLUMNS} FROM events WHERE global_position > $1 "
    "AND recorded_at >= coalesce($2::timestamptz, '-infinity'::timestamptz) "
    "AND recorded_at < coalesce($3::timestamptz, 'infinity'::timestamptz) "
    "ORDER BY global_position LIMIT $4"
)
READ_FOR_VERIFY = text(
    f"SELECT {COLUMNS} FROM events WHERE (stream_id, stream_version) > (:stream, :version) "
    "ORDER BY stream_id, stream_version LIMIT :limit"
)

CONCURRENCY = "TS001"
STALE_TRANSACTION = "TS005"
ID_CONFLICT = "TS002"
PARTIAL_BATCH = "TS003"
UNIQUE_VIOLATION = "23505"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def row_to_event(row: Any) -> RecordedEvent:
    # Rows come from our own table, already typed by the driver: skip re-validation (replay speed).
    return RecordedEvent.model_construct(
        event_id=row.event_id,
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        global_position=row.global_position,
        tx_id=row.tx_id,
        type=row.type,
        schema_version=row.schema_version,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        actor=_actor(_json(row.actor)),
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
        trace=_json(row.trace),
        payload=_json(row.payload),
        prev_hash=row.prev_hash.hex() if row.prev_hash is not None else None,
        hash=row.hash.hex(),
    )


def _actor(data: dict[str, Any]) -> Actor:
    return Actor.model_construct(role=Role(data["role"]), id=data["id"], department=data.get("department"))


# A store holds few distinct actors and trace contexts: decode each JSON text once.
_ACTORS: dict[str, Actor] = {}
_TRACES: dict[str, dict[str, str]] = {}
_CACHE_LIMIT = 10_000
_from_row = RecordedEvent.trusted
_from_json = pydantic_core.from_json
_uuid = PgUUID


def loads_stored_json(text_: str) -> Any:
    """``json.loads(text_)``, faster: a payload as PostgreSQL prints a jsonb column.

    pydantic-core's parser (jiter) gives the same values as ``json.loads`` (big integers stay
    integers, floats are correctly rounded; property-tested) at ~1/3 of the cost (replay
    speed). What it refuses and ``json.loads`` might still read (nesting deeper than 200, e.g.)
    goes to ``json.loads``, which then decides, so the result or the error is always json.loads'.
    """
    try:
        return _from_json(text_)
    except ValueError:
        return json.loads(text_)


def _cached_actor(text_: str) -> Actor:
    actor = _ACTORS.get(text_)
    if actor is None:
        if len(_ACTORS) >= _CACHE_LIMIT:
            _ACTORS.clear()
        actor = _ACTORS[text_] = _actor(json.loads(text_))  # Actor is frozen: safe to share
    return actor


def _cached_trace(text_: str) -> dict[str, str]:
    trace = _TRACES.get(text_)
    if trace is None:
        if len(_TRACES) >= _CACHE_LIMIT:
            _TRACES.clear()
        trace = _TRACES[text_] = json.loads(text_)
    return dict(trace)  # a dict is mutable: every event gets its own copy


def fast_row_to_event(row: Sequence[Any]) -> RecordedEvent:
    """An event from a row of FAST_COLUMNS (positional; JSON columns as text, hashes as hex).

    The usual cases are inlined (a cached actor, an empty trace, a payload jiter reads): replay
    builds every stored event through here."""
    (
        global_position,
        tx_id,
        stream_id,
        stream_version,
        event_id,
        type_,
        schema_version,
        occurred_at,
        recorded_at,
        actor,
        correlation_id,
        causation_id,
        trace,
        payload,
        prev_hash,
        hash_,
    ) = row
    try:
        data = _from_json(payload)
    except ValueError:
        data = json.loads(payload)  # see loads_stored_json
    return _from_row(
        {
            "event_id": _uuid(event_id),
            "stream_id": stream_id,
            "stream_version": stream_version,
            "global_position": global_position,
            "tx_id": tx_id,
            "type": type_,
            "schema_version": schema_version,
            "occurred_at": occurred_at,
            "recorded_at": recorded_at,
            "actor": _ACTORS.get(actor) or _cached_actor(actor),
            "correlation_id": _uuid(correlation_id),
            "causation_id": None if causation_id is None else _uuid(causation_id),
            "trace": {} if trace == "{}" else _cached_trace(trace),  # every event has its own dict
            "payload": data,
            "prev_hash": prev_hash,
            "hash": hash_,
        }
    )


def events_from_rows(rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
    """The events of FAST_COLUMNS rows, with the cyclic garbage collector paused while a large
    page is built.

    Each event is a few GC-tracked objects (the envelope, its dict, its UUIDs, the payload's
    containers), all alive until the page is returned. Built with the collector running, a page of
    1000 went through several young collections while it was being built and was promoted whole,
    which soon triggered full collections of the whole heap: in replay, more time than building
    the events (~3.5 µs of GC per event). Paused, the new objects are counted only once the page
    is done, and the rows and the page before it, freed meanwhile, make up for much of that count:
    in bench 2's loop, young collections per 50k events fell from ~92 to ~1, GC time to ~0.1 µs per
    event. Nothing here makes reference cycles or awaits (no other task runs meanwhile); another
    thread only sees the collector paused for the page's ~1-2 ms. A collector that was already
    disabled stays disabled, and one that was running is re-enabled whatever happens.
    """
    if len(rows) < _PAUSE_GC_FROM or not gc.isenabled():
        return [fast_row_to_event(row) for row in rows]
    gc.disable()
    try:
        return [fast_row_to_event(row) for row in rows]
    finally:
        gc.enable()


_PAUSE_GC_FROM = 100
"""Pages smaller than this are built with the collector running (it would barely run anyway)."""


def _sqlstate(error: DBAPIError) -> tuple[str | None, Any]:
    cause = getattr(error.orig, "__cause__", None)
    state = getattr(cause, "sqlstate", None) or getattr(error.orig, "sqlstate", None)
    return state, cause


def _canonical(value: Any) -> str:
    return canonical_json(value).decode()


def encode_for_append(stream_id: str, event: NewEvent) -> tuple[str, str, str, bytes]:
    """The actor, trace and payload JSON for their columns, and the event's content hash.

    Each part is encoded once, canonically, and the hashed document is assembled from the parts:
    the same bytes as ``canonical_json(event.hashed_fields(stream_id))`` (its keys in sorted
    order), without encoding the payload a second time (append speed).
    """
    actor, trace, payload = (
        _canonical(event.actor.as_dict()),
        _canonical(event.trace),
        _canonical(event.payload),
    )
    causation = f'"{event.causation_id}"' if event.causation_id is not None else "null"
    document = (
        f'{{"actor":{actor},"causation_id":{causation},"correlation_id":"{event.correlation_id}",'
        f'"event_id":"{event.event_id}","occurred_at":"{format_timestamp(event.occurred_at)}",'
        f'"payload":{payload},"schema_version":{int(event.schema_version)},'
        f'"stream_id":{_canonical(stream_id)},"trace":{trace},"type":{_canonical(event.type)}}}'
    )
    return actor, trace, payload, sha256(document.encode())


# The two helpers below run once per append_many (each event is still handled inline, in one
# comprehension per column), so the split costs no call per event on the write path.
def _append_many_args(appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]]) -> tuple[list[Any], ...]:
    """APPEND_MANY's parameters: one array per column, the events of all streams end to end, and
    each stream's first and last index (1-based) into them."""
    streams = [stream for stream, _, _ in appends]
    flat: list[tuple[str, NewEvent]] = [(stream, e) for stream, _, events in appends for e in events]
    bounds, lo = [], 1
    for _, _, events in appends:
        bounds.append((lo, lo + len(events) - 1))
        lo += len(events)
    encoded = [encode_for_append(stream, e) for stream, e in flat]
    return (
        streams,
        [expected for _, expected, _ in appends],
        [b[0] for b in bounds],
        [b[1] for b in bounds],
        [e.event_id for _, e in flat],
        [e.type for _, e in flat],
        [e.schema_version for _, e in flat],
        [e.occurred_at for _, e in flat],
        [actor for actor, _, _, _ in encoded],
        [e.correlation_id for _, e in flat],
        [e.causation_id for _, e in flat],
        [trace for _, trace, _, _ in encoded],
        [payload for _, _, payload, _ in encoded],
        [content_hash for _, _, _, content_hash in encoded],
    )


def _recorded_many(
    appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]], rows: Sequence[Any]
) -> list[AppendResult]:
    """APPEND_MANY's rows (in the order of ``appends``' events) as one result per stream."""
    results: list[AppendResult] = []
    offset = 0
    for stream, _, events in appends:
        mine = rows[offset : offset + len(events)]
        offset += len(events)
        results.append(
            AppendResult(
                events=[
                    RecordedEvent.model_construct(
                        event_id=e.event_id,
                        stream_id=stream,
                        stream_version=row[2],
                        global_position=row[3],
                        tx_id=row[4],
                        type=e.type,
                        schema_version=e.schema_version,
                        occurred_at=e.occurred_at,
                        recorded_at=row[5],
                        actor=e.actor,
                        correlation_id=e.correlation_id,
                        causation_id=e.causation_id,
                        trace=e.trace,
                        payload=e.payload,
                        prev_hash=row[6].hex() if row[6] is not None else None,
                        hash=row[7].hex(),
                    )
                    for e, row in zip(events, mine, strict=True)
                ]
            )
        )
    return results


class PostgresEventStore:
    def __init__(self, engine: AsyncEngine, connection: AsyncConnection | None = None) -> None:
        self.engine = engine
        self._connection = connection

    def bound(self, connection: AsyncConnection) -> PostgresEventStore:
        """The same store, working inside the caller's transaction."""
        return PostgresEventStore(self.engine, connection)

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[AsyncConnection]:
        if self._connection is not None:
            yield self._connection
        else:
            async with self.engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def _append_conn(self) -> AsyncIterator[AsyncConnection]:
        """The caller's transaction, or autocommit: `tousu_append` is one statement, atomic on its
        own, so an explicit BEGIN/COMMIT would only add two round trips (benchmark 1)."""
        if self._connection is not None:
            yield self._connection
        else:
            async with self.engine.connect() as conn:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def append(
        self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]
    ) -> AppendResult:
        if not events:
            raise EmptyAppend()
        params: dict[str, Any] = {
            "stream": stream_id,
            "expected": expected_version,
            "ids": [e.event_id for e in events],
            "types": [e.type for e in events],
            "schema_versions": [e.schema_version for e in events],
            "occurred_at": [e.occurred_at for e in events],
            "correlation_ids": [e.correlation_id for e in events],
            "causation_ids": [e.causation_id for e in events],
        }
        encoded = [encode_for_append(stream_id, e) for e in events]
        params["actors"] = [actor for actor, _, _, _ in encoded]
        params["traces"] = [trace for _, trace, _, _ in encoded]
        params["payloads"] = [payload for _, _, payload, _ in encoded]
        params["content_hashes"] = [content_hash for _, _, _, content_hash in encoded]
        try:
            async with self._append_conn() as conn:
                rows = (await conn.execute(APPEND, params)).all()
        except DBAPIError as error:
            raise await self._translate(error, stream_id, expected_version, events) from error
        return AppendResult(
            events=[
                RecordedEvent.model_construct(
                    event_id=e.event_id,
                    stream_id=stream_id,
                    stream_version=row.stream_version,
                    global_position=row.global_position,
                    tx_id=row.tx_id,
                    type=e.type,
                    schema_version=e.schema_version,
                    occurred_at=e.occurred_at,
                    recorded_at=row.recorded_at,
                    actor=e.actor,
                    correlation_id=e.correlation_id,
                    causation_id=e.causation_id,
                    trace=e.trace,
                    payload=e.payload,
                    prev_hash=row.prev_hash.hex() if row.prev_hash is not None else None,
                    hash=row.hash.hex(),
                )
                for e, row in zip(events, rows, strict=True)
            ]
        )

    async def append_many(
        self, appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]]
    ) -> list[AppendResult]:
        """Append to several streams at once, atomically: each stream as ``append`` would (its
        expected version, idempotent re-append, hash chain), all in one statement.

        Streams are written in the order of their ids, whatever the caller's order: two writers of
        overlapping streams then wait for each other (and one gets a ConcurrencyError) instead of
        deadlocking. Results come back in the caller's order."""
        if not appends or any(not events for _, _, events in appends):
            raise EmptyAppend()
        order = sorted(range(len(appends)), key=lambda i: appends[i][0])
        if order != list(range(len(appends))):
            return await self._append_many_in_callers_order(appends, order)
        streams = [stream for stream, _, _ in appends]
        if len(set(streams)) != len(streams):
            raise ValueError("append_many takes each stream once")
        args = _append_many_args(appends)
        try:
            async with self._append_conn() as conn:
                rows: Sequence[Any] = (await conn.exec_driver_sql(APPEND_MANY, args)).all()
        except DBAPIError as error:
            raise await self._translate_many(error, appends) from error
        return _recorded_many(appends, rows)

    async def _append_many_in_callers_order(
        self, appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]], order: list[int]
    ) -> list[AppendResult]:
        """``append_many`` of the streams sorted by id (``order``), results put back in the
        caller's order."""
        ordered = await self.append_many([appends[i] for i in order])
        by_caller: list[AppendResult | None] = [None] * len(appends)
        for position, i in enumerate(order):
            by_caller[i] = ordered[position]
        return [r for r in by_caller if r is not None]

    async def _translate_many(
        self, error: DBAPIError, appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]]
    ) -> Exception:
        """The error of the stream that failed, named from PostgreSQL's message when it says."""
        _, cause = _sqlstate(error)
        message = str(cause) if cause is not None else ""
        stream = next((s for s, _, _ in appends if f"stream {s} " in message), appends[0][0])
        expected = next(e for s, e, _ in appends if s == stream)
        events = next(ev for s, _, ev in appends if s == stream)
        return await self._translate(error, stream, expected, events)

    async def _translate(
        self, error: DBAPIError, stream_id: str, expected: int | None, events: Sequence[NewEvent]
    ) -> Exception:
        state, cause = _sqlstate(error)
        if state == CONCURRENCY:
            return ConcurrencyError(stream_id, expected, int(cause.detail))
        if state == STALE_TRANSACTION:
            return StaleTransaction(stream_id, expected, int(cause.detail))
        if state == ID_CONFLICT:
            return EventIdConflict(cause.detail)
        if state == PARTIAL_BATCH:
            return PartialBatchConflict(str(cause))
        if state == UNIQUE_VIOLATION:
            # Another writer won the race for this version, or a concurrent retry stored these ids.
            actual = await self.stream_version(stream_id) if self._connection is None else -1
            return ConcurrencyError(stream_id, expected, actual)
        return error

    async def _fetch(self, sql: str, *args: Any) -> Sequence[Any]:
        """Rows of a read, through the asyncpg connection itself (no SQLAlchemy row objects)."""
        if self._connection is not None:
            # The caller's transaction: SQLAlchemy starts it lazily, so let it run the statement.
            return (await self._connection.exec_driver_sql(sql, args)).all()
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            rows: Sequence[Any] = await raw.driver_connection.fetch(sql, *args)  # type: ignore[union-attr]
            return rows

    async def wait_until_followable(self, within: float = 60.0) -> None:
        """Return once ``read_all`` can see every transaction committed before the call.

        ``read_all`` reads below the oldest transaction still running anywhere on the server
        (``pg_snapshot_xmin``), so another database's open transaction holds it back for a moment:
        a replay timed, or a test asserting, right after writing waits here first.
        """
        async with (
            self.engine.connect() as conn
        ):  # never a bound caller's transaction: it would wait for itself
            raw = (await conn.get_raw_connection()).driver_connection
            mark = await raw.fetchval("SELECT pg_current_xact_id()::text::bigint")  # type: ignore[union-attr]
            deadline = time.monotonic() + within
            while await raw.fetchval(HORIZON) <= mark:  # type: ignore[union-attr]
                if time.monotonic() > deadline:
                    raise TimeoutError(f"transactions older than {mark} still run after {within:.0f} s")
                await asyncio.sleep(0.05)

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        return events_from_rows(await self._fetch(FAST_READ_STREAM, stream_id, from_version))

    async def read_streams(self, stream_ids: Iterable[str]) -> dict[str, list[RecordedEvent]]:
        """Several whole streams in one read; a stream with no events is absent."""
        streams: dict[str, list[RecordedEvent]] = {}
        for row in await self._fetch(FAST_READ_STREAMS, sorted(set(stream_ids))):
            event = fast_row_to_event(row)
            streams.setdefault(event.stream_id, []).append(event)
        return streams

    async def stream_version(self, stream_id: str) -> int:
        async with self._conn() as conn:
            version: int = (await conn.execute(STREAM_VERSION, {"stream": stream_id})).scalar_one()
            return version

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        rows = await self._fetch(FAST_READ_ALL, after.tx_id, after.global_position, limit)
        return events_from_rows(rows)

    async def read_all_pages(
        self, after: Position = START, limit: int = 1000
    ) -> AsyncIterator[list[RecordedEvent]]:
        """Every event after ``after`` in commit order, ``read_all``'s pages one after the other.

        The next page is requested before this one is handed over, so PostgreSQL reads and sends
        it while the caller works on this one (replay is otherwise PostgreSQL, then Python, then
        PostgreSQL again, each idle while the other works). Each page is exactly what
        ``read_all`` would return from the same position. Bound to a caller's connection, pages
        are read one after the other (one connection runs one statement at a time).
        """
        rows = await self._fetch(FAST_READ_ALL, after.tx_id, after.global_position, limit)
        while rows:
            ahead: asyncio.Task[Sequence[Any]] | None = None
            if len(rows) == limit and self._connection is None:
                ahead = asyncio.create_task(self._fetch(FAST_READ_ALL, rows[-1][1], rows[-1][0], limit))
                await asyncio.sleep(0)  # let it send the query before the caller's work begins
            try:
                yield events_from_rows(rows)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                raise
            if ahead is not None:
                rows = await ahead
            elif len(rows) == limit:
                rows = await self._fetch(FAST_READ_ALL, rows[-1][1], rows[-1][0], limit)
            else:
                rows = []

    async def read_period(
        self, since: datetime | None = None, until: datetime | None = None, batch: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        after = 0
        while True:
            rows = await self._fetch(FAST_READ_PERIOD, after, since, until, batch)
            for row in rows:
                yield fast_row_to_event(row)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    async def verify(self, stream_id: str | None = None, batch: int = 2000) -> VerifyReport:
        report = VerifyReport()
        if stream_id is not None:
            async with self._conn() as conn:
                result = await conn.execute(READ_STREAM, {"stream": stream_id, "from_version": 1})
                rows = result.all()
            last = self._check_rows(rows, report, None)
            if last is not None and last.broken:
                report.broken.append(last.broken)
            return report
        checker: StreamChecker | None = None
        cursor: tuple[str, int] = ("", 0)
        while True:
            async with self._conn() as conn:
                rows = (
                    await conn.execute(
                        READ_FOR_VERIFY, {"stream": cursor[0], "version": cursor[1], "limit": batch}
                    )
                ).all()
            checker = self._check_rows(rows, report, checker)
            if len(rows) < batch:
                break
            cursor = (rows[-1].stream_id, rows[-1].stream_version)
        if checker is not None and checker.broken:
            report.broken.append(checker.broken)
        return report

    @staticmethod
    def _check_rows(
        rows: Sequence[Any], report: VerifyReport, checker: StreamChecker | None
    ) -> StreamChecker | None:
        for row in rows:
            if checker is None or checker.stream_id != row.stream_id:
                if checker is not None and checker.broken:
                    report.broken.append(checker.broken)
                checker = StreamChecker(row.stream_id)
                report.streams_checked += 1
            checker.check(row_to_event(row), stored_content_hash=row.content_hash)
            report.events_checked += 1
        return checker
