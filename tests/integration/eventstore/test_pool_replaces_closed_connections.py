"""The engine has no per-checkout ping (it cost more than an append), yet a connection the server
closed is replaced."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from tests.integration.eventstore.conftest import dsn
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


async def test_a_terminated_pooled_connection_is_replaced_on_checkout(new_database) -> None:  # type: ignore[no-untyped-def]
    url = await new_database()
    engine = create_engine(url, pool_size=1, application_name="tousu-pool-test")
    store = PostgresEventStore(engine)
    stream = new_stream_id()
    admin = await asyncpg.connect(dsn(url))
    try:
        await store.append(stream, NO_STREAM, some(1))  # leaves one connection in the pool
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'tousu-pool-test'"
        )
        assert killed >= 1
        await asyncio.sleep(0.2)  # the server's close reaches the pooled socket
        await store.append(stream, 1, some(1))
        assert len(await store.read_stream(stream)) == 2
    finally:
        await admin.close()
        await engine.dispose()
