"""Each consumer's place in each stream: ``consumer_positions`` (migration 0015).

A row says: every event of this stream up to ``version`` has been handled by this consumer (or
passed over, for a type it does not subscribe to). A transaction *claims* the versions it is about
to handle: one statement moves each stream's row to the highest version in the batch, locks it
until the transaction ends, and returns where it stood before. Whatever is at or below that was
handled already (a redelivery); whatever lies between it and the first delivered version was
never delivered and is read from the store. A concurrent claim of the same stream waits for the
row lock and then sees the moved position, so no event is handled twice; rows are claimed in
stream order, so two claims never deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

CLAIM = (
    "INSERT INTO consumer_positions AS p (consumer, stream_id, version) "
    "SELECT $1, s, v FROM unnest($2::text[], $3::integer[]) AS u(s, v) "
    "ON CONFLICT (consumer, stream_id) DO UPDATE "
    "SET previous = p.version, version = greatest(p.version, excluded.version) "
    "RETURNING stream_id, previous"
)
POSITION = "SELECT version FROM consumer_positions WHERE consumer = $1 AND stream_id = $2"


async def claim(conn: AsyncConnection, consumer: str, targets: Mapping[str, int]) -> dict[str, int]:
    """Move each stream's position to at least its target, in ``conn``'s transaction; returns
    each stream's position before the move (0 for a stream the consumer has not seen)."""
    streams = sorted(targets)
    versions = [targets[s] for s in streams]
    rows: Sequence[Any] = (await conn.exec_driver_sql(CLAIM, (consumer, streams, versions))).all()
    return {row[0]: row[1] for row in rows}


async def position(conn: AsyncConnection, consumer: str, stream_id: str) -> int:
    row = (await conn.exec_driver_sql(POSITION, (consumer, stream_id))).first()
    return int(row[0]) if row else 0
