"""The analytics service running for real: its own database, real Kafka-protocol broker, relay.

Complaints enter the system the way the other services write them: their events are appended
to the event store; the relay inside the app publishes them, and the app's consumer projects them.
Each test module gets its own database (statistics count every complaint in it) and one app.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.complaints.rows import ProjectedComplaint, complaint_row, step
from services.analytics.main import create_app
from shared.clock import FakeClock
from shared.complaints import Command, ComplaintState, ReceiveComplaint, Status, fold
from shared.db.engine import create_engine
from shared.events import Event, NewEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.builders import apply, path_to, receive
from tests.support.auth import test_tokens
from tests.support.backends import Backend
from tests.support.running import eventually, running
from tests.support.settings import settings_for

History = list[tuple[Command, list[Event]]]
DatabaseFactory = Callable[[], Awaitable[str]]


def analytics_settings(database_url: str, kafka: Backend) -> Settings:
    return settings_for(database_url, kafka)


@dataclass
class Analytics:
    settings: Settings
    client: httpx.AsyncClient
    engine: AsyncEngine
    store: PostgresEventStore
    runtime: Runtime

    async def put(self, complaint_no: str, history: History) -> int:
        """Append a history's events, one command per append as the services do; the new version."""
        return await append_history(self.store, complaint_no, history)

    async def versions(self, numbers: Sequence[str]) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT complaint_no, version FROM analytics_complaints WHERE complaint_no = ANY(:n)"),
                {"n": list(numbers)},
            )
            return {row.complaint_no: row.version for row in rows}

    async def row(self, complaint_no: str) -> dict[str, Any]:
        return await read_row(self.engine, complaint_no)

    async def timeline(self, complaint_no: str, column: str = "type") -> list[Any]:
        async with self.engine.connect() as conn:
            query = text(
                f"SELECT {column} FROM analytics_timeline WHERE complaint_no = :n ORDER BY stream_version"
            )
            return list((await conn.execute(query, {"n": complaint_no})).scalars())

    async def projected(self, expected: dict[str, int], within: float = 30) -> None:
        """Wait until each complaint's row is at its expected version."""

        async def caught_up() -> bool:
            return await self.versions(list(expected)) == expected

        await eventually(caught_up, timeout=within, what=f"{len(expected)} complaints projected")

    async def expected_row(self, complaint_no: str) -> dict[str, Any]:
        return await domain_row(self.store, complaint_no)


async def append_history(store: PostgresEventStore, complaint_no: str, history: History) -> int:
    """Append a history's events, one command per append as the services do; the new version."""
    version = await store.stream_version(complaint_no)
    for command, events in history:
        new = [NewEvent.of(event, actor=command.actor, clock=FakeClock(command.at)) for event in events]
        version = (await store.append(complaint_no, version, new)).stream_version
    return version


NOT_PROJECTED = frozenset({"created_at"})
"""Columns of analytics_complaints the database fills, not the projection (migration 0014): when
the row was first written, so a rebuild changes them and the domain's fold has no such field."""


def projected(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in NOT_PROJECTED}


async def read_row(engine: AsyncEngine, complaint_no: str) -> dict[str, Any]:
    """The complaint's row as projected (the driver decodes its jsonb columns)."""
    async with engine.connect() as conn:
        query = text("SELECT * FROM analytics_complaints WHERE complaint_no = :n")
        return projected((await conn.execute(query, {"n": complaint_no})).mappings().one())


async def domain_row(store: PostgresEventStore, complaint_no: str) -> dict[str, Any]:
    """The row the domain's own fold of the stored stream gives."""
    current: ProjectedComplaint | None = None
    for record in await store.read_stream(complaint_no):
        current, _ = step(current, record)
    assert current is not None
    return complaint_row(current)


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of both read-model tables, in key order (the projected columns)."""
    async with engine.connect() as conn:
        complaints = await conn.execute(text("SELECT * FROM analytics_complaints ORDER BY complaint_no"))
        timeline = await conn.execute(
            text("SELECT * FROM analytics_timeline ORDER BY complaint_no, stream_version")
        )
        return {
            "complaints": [tuple(projected(r).values()) for r in complaints.mappings()],
            "timeline": [tuple(r) for r in timeline],
        }


def new_number() -> str:
    return f"TS-A-{uuid.uuid4().hex[:10]}"


def history_to(status: Status, complaint_no: str, department: str = "quality", **received: Any) -> History:
    """The ordinary path to ``status`` (builders' path_to), for this number and received fields."""
    state = ComplaintState.initial()
    history: History = []
    for command in path_to(status, department):
        if isinstance(command, ReceiveComplaint):
            # built anew, not copied: the personal data is sealed for this complaint number
            command = receive(complaint_no=complaint_no, **received)
        state, events = apply(state, command)
        history.append((command, events))
    return history


def story(*commands: Command) -> History:
    """The history of these commands, each decided on the state the ones before it left."""
    return then([], *commands)


def then(history: History, *commands: Command) -> History:
    """The history with more commands decided on its end state."""
    state = fold((event, command.at) for command, events in history for event in events)
    extended = list(history)
    for command in commands:
        state, events = apply(state, command)
        extended.append((command, events))
    return extended


async def put_interleaved(
    analytics: Analytics, histories: dict[str, History], rng: random.Random
) -> dict[str, int]:
    """Append several complaints' commands in a random interleaving; returns the final versions."""
    cursors = {no: 0 for no in histories}
    versions = {no: 0 for no in histories}
    while cursors:
        no = rng.choice(sorted(cursors))
        command, events = histories[no][cursors[no]]
        versions[no] = await analytics.put(no, [(command, events)])
        cursors[no] += 1
        if cursors[no] == len(histories[no]):
            del cursors[no]
    return versions


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def analytics(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Analytics]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    engine = create_engine(settings.database_url, pool_size=4, application_name="tousu-analytics-tests")
    app = create_app(settings, tokens=test_tokens())
    try:
        async with running(app) as client:
            yield Analytics(settings, client, engine, PostgresEventStore(engine), app.state.runtime)
    finally:
        await engine.dispose()
