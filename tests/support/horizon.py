"""Waiting for the store's read horizon, for tests that read_all right after writing.

A follower reads only transactions older than every transaction still running
(``pg_snapshot_xmin``), and that horizon is server-wide: another database's open transaction —
a parallel test worker's consumer, say — holds it back for a moment. A test that appended and
then reads in commit order waits for the horizon first, instead of asserting on a follower that
is merely behind.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text

MARK = text("SELECT pg_current_xact_id()::text::bigint")
HORIZON = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


async def settled(store: Any, within: float = 30.0) -> None:
    """Return once every transaction committed before the call is behind the read horizon.

    ``store``: a PostgresEventStore (anything else, e.g. the in-memory store, has no horizon).
    """
    engine = getattr(store, "engine", None)
    if engine is None:
        return
    async with engine.connect() as conn:
        mark = (await conn.execute(MARK)).scalar_one()
        await conn.commit()
        deadline = time.monotonic() + within
        while (await conn.execute(HORIZON)).scalar_one() <= mark:
            await conn.rollback()
            if time.monotonic() > deadline:
                raise AssertionError(f"the read horizon did not pass transaction {mark} in {within} s")
            await asyncio.sleep(0.05)
