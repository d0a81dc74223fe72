"""The database refuses UPDATE, DELETE and TRUNCATE on the event table, to everyone."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from tests.integration.eventstore.conftest import dsn
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration

REWRITES = [
    "UPDATE events SET payload = '{}'::jsonb",
    "DELETE FROM events",
    "TRUNCATE events",
]


@pytest.fixture
async def stored(database_url: str) -> str:
    engine = create_engine(database_url)
    await PostgresEventStore(engine).append(new_stream_id(), NO_STREAM, some(2))
    await engine.dispose()
    return database_url


@pytest.mark.parametrize("statement", REWRITES)
async def test_the_trigger_refuses_even_a_superuser(stored: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn(stored))
    try:
        with pytest.raises(asyncpg.PostgresError) as raised:
            await conn.execute(statement)
        assert "append-only" in str(raised.value)
        assert raised.value.sqlstate == "TS004"
    finally:
        await conn.close()


@pytest.mark.parametrize("statement", REWRITES)
async def test_a_service_role_has_no_privilege_to_rewrite(stored: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn(stored))
    login = f"tousu_test_{uuid.uuid4().hex[:8]}"
    try:
        await conn.execute(f"CREATE ROLE {login} LOGIN IN ROLE tousu_intake")
        async with conn.transaction():
            await conn.execute(f"SET LOCAL ROLE {login}")
            assert await conn.fetchval("SELECT count(*) FROM events") >= 2  # may read
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.execute(f"DROP ROLE IF EXISTS {login}")
        await conn.close()


async def test_a_service_role_may_append(stored: str) -> None:
    conn = await asyncpg.connect(dsn(stored))
    login = f"tousu_test_{uuid.uuid4().hex[:8]}"
    try:
        await conn.execute(f"CREATE ROLE {login} LOGIN IN ROLE tousu_intake")
    finally:
        await conn.close()
    base, _, database = stored.rpartition("/")
    user_url = base.replace("postgres@", f"{login}@", 1) + "/" + database
    engine = create_engine(user_url)
    try:
        result = await PostgresEventStore(engine).append(new_stream_id(), NO_STREAM, some(1))
        assert result.stream_version == 1
    finally:
        await engine.dispose()
        conn = await asyncpg.connect(dsn(stored))
        await conn.execute(f"DROP ROLE IF EXISTS {login}")
        await conn.close()
