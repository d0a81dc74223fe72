"""Every store implementation, each with a way to tamper with it behind its back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import EventStore, InMemoryEventStore, PostgresEventStore


@dataclass
class StoreUnderTest:
    store: EventStore
    tamper: Callable[[RecordedEvent, dict[str, object]], Awaitable[None]]


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["memory", "postgres"])
async def under_test(request: pytest.FixtureRequest, new_database) -> AsyncIterator[StoreUnderTest]:  # type: ignore[no-untyped-def]
    if request.param == "memory":
        memory = InMemoryEventStore()

        async def tamper_memory(event: RecordedEvent, payload: dict[str, object]) -> None:
            memory.tamper(event.global_position, payload)

        yield StoreUnderTest(memory, tamper_memory)
        return

    url = await new_database()
    engine = create_engine(url)

    async def tamper_postgres(event: RecordedEvent, payload: dict[str, object]) -> None:
        # As a superuser with the trigger disabled: what a malicious operator could do.
        conn = await asyncpg.connect(dsn(url))
        try:
            async with conn.transaction():
                await conn.execute("ALTER TABLE events DISABLE TRIGGER events_refuse_update_delete")
                await conn.execute(
                    "UPDATE events SET payload = $1::jsonb WHERE event_id = $2",
                    json.dumps(payload),
                    event.event_id,
                )
                await conn.execute("ALTER TABLE events ENABLE TRIGGER events_refuse_update_delete")
        finally:
            await conn.close()

    yield StoreUnderTest(PostgresEventStore(engine), tamper_postgres)
    await engine.dispose()
