"""The PostgreSQL event store: one round trip per append, no table-wide lock.

Writers contend only on their own stream (the unique (stream_id, stream_version) index);
the hash chain and the expected-version check run inside `tousu_append` (migration 0001).
Followers read in commit order, (tx_id, global_position), and only below the oldest running
transaction, so an event committed late is never skipped.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import START, Actor, NewEvent, Position, RecordedEvent, Role
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
READ_STREAM = text(
    f"SELECT {COLUMNS} FROM events WHERE stream_id = :stream AND stream_version >= :from_version "
    "ORDER BY stream_version"
)
STREAM_VERSION = text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :stream")
READ_ALL = text(
    f"SELECT {COLUMNS} FROM events "
    "WHERE (tx_id, global_position) > (:tx_id, :position) "
    "AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
    "ORDER BY tx_id, global_position LIMIT :limit"
)
READ_PERIOD = text(
    f"SELECT {COLUMNS} FROM events WHERE global_position > :after "
    "AND recorded_at >= coalesce(:since, '-infinity'::timestamptz) "
    "AND recorded_at < coalesce(:until, 'infinity'::timestamptz) "
    "ORDER BY global_position LIMIT :limit"
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


def _sqlstate(error: DBAPIError) -> tuple[str | None, Any]:
    cause = getattr(error.orig, "__cause__", None)
    state = getattr(cause, "sqlstate", None) or getattr(error.orig, "sqlstate", None)
    return state, cause


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
        params = {
            "stream": stream_id,
            "expected": expected_version,
            "ids": [e.event_id for e in events],
            "types": [e.type for e in events],
            "schema_versions": [e.schema_version for e in events],
            "occurred_at": [e.occurred_at for e in events],
            "actors": [_dumps(e.actor.as_dict()) for e in events],
            "correlation_ids": [e.correlation_id for e in events],
            "causation_ids": [e.causation_id for e in events],
            "traces": [_dumps(e.trace) for e in events],
            "payloads": [_dumps(e.payload) for e in events],
            "content_hashes": [e.content_hash(stream_id) for e in events],
        }
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

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        async with self._conn() as conn:
            result = await conn.execute(READ_STREAM, {"stream": stream_id, "from_version": from_version})
            return [row_to_event(row) for row in result]

    async def stream_version(self, stream_id: str) -> int:
        async with self._conn() as conn:
            version: int = (await conn.execute(STREAM_VERSION, {"stream": stream_id})).scalar_one()
            return version

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        async with self._conn() as conn:
            result = await conn.execute(
                READ_ALL, {"tx_id": after.tx_id, "position": after.global_position, "limit": limit}
            )
            return [row_to_event(row) for row in result]

    async def read_period(
        self, since: datetime | None = None, until: datetime | None = None, batch: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        after = 0
        while True:
            async with self._conn() as conn:
                rows = (
                    await conn.execute(
                        READ_PERIOD, {"after": after, "since": since, "until": until, "limit": batch}
                    )
                ).all()
            for row in rows:
                yield row_to_event(row)
            if len(rows) < batch:
                return
            after = rows[-1].global_position

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
