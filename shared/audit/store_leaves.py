"""Reading the store's leaves (shared.audit.digest) in commit order, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit.checkpoint import StorePosition
from shared.audit.digest import Leaf

_COLUMNS = "tx_id, global_position, stream_id, stream_version, uuid_send(event_id), hash"
BELOW_HORIZON = (
    f"SELECT {_COLUMNS} FROM events WHERE (tx_id, global_position) > ($1, $2) "
    "AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
    "ORDER BY tx_id, global_position LIMIT $3"
)
"""Committed for good: no transaction still running can add an event at or before these."""
UP_TO = (
    f"SELECT {_COLUMNS} FROM events WHERE (tx_id, global_position) > ($1, $2) "
    "AND (tx_id, global_position) <= ($3, $4) ORDER BY tx_id, global_position LIMIT $5"
)
"""What a checkpoint at ($3, $4) covers, whatever is in the table now."""
PAGE = 5000


async def _fetch(engine: AsyncEngine, sql: str, *args: Any) -> Sequence[Any]:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        rows: Sequence[Any] = await driver.fetch(sql, *args)
        return rows


def _leaves(rows: Sequence[Any]) -> list[Leaf]:
    return [Leaf(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in rows]


async def leaves_below_horizon(engine: AsyncEngine, after: StorePosition, limit: int) -> list[Leaf]:
    """Up to ``limit`` leaves after ``after`` that no running transaction can precede."""
    leaves: list[Leaf] = []
    position = after.as_tuple()
    while len(leaves) < limit:
        page = _leaves(await _fetch(engine, BELOW_HORIZON, *position, min(PAGE, limit - len(leaves))))
        leaves += page
        if len(page) < PAGE:
            break
        position = page[-1].commit_order
    return leaves


async def covered_pages(
    engine: AsyncEngine, after: StorePosition, up_to: StorePosition
) -> AsyncIterator[list[Leaf]]:
    """Every leaf the store now holds in (after, up_to], in commit order, a page at a time."""
    position = after.as_tuple()
    while True:
        page = _leaves(await _fetch(engine, UP_TO, *position, *up_to.as_tuple(), PAGE))
        if page:
            yield page
        if len(page) < PAGE:
            return
        position = page[-1].commit_order
