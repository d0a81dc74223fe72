"""A statement the engine ran while a table was small still uses its index once the table grew.

asyncpg prepares every statement; left to itself PostgreSQL may switch a prepared statement to a
generic plan after five runs and keep it for the connection's life. Made while the table was
tiny, that plan scans the whole table on every later call (seen as a read-model batch taking
30 ms, and run-to-run slow-downs in the end-to-end benchmark). The engine plans each run with its
parameters instead.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine

pytestmark = pytest.mark.integration


async def test_a_lookup_prepared_on_a_tiny_table_uses_the_index_after_it_grew(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database(), pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE grows (k text PRIMARY KEY, n integer NOT NULL)"))
            await conn.execute(text("INSERT INTO grows SELECT 'k' || g, g FROM generate_series(1, 5) g"))
            await conn.execute(text("ANALYZE grows"))
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            lookup = await raw.prepare("SELECT n FROM grows WHERE k = ANY($1::text[]) ORDER BY k")
            for _ in range(8):  # past the point where a generic plan would be chosen
                await lookup.fetch(["k1", "k2"])
            await raw.execute("INSERT INTO grows SELECT 'k' || g, g FROM generate_series(6, 20000) g")
            # EXPLAIN EXECUTE of that very prepared statement shows the plan its next run would use
            rows = await raw.fetch(f"EXPLAIN EXECUTE {lookup.get_name()}('{{k1,k2}}')")
            plan = "\n".join(row[0] for row in rows)
            assert "Seq Scan" not in plan, plan
    finally:
        await engine.dispose()
