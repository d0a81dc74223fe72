"""What a consumer has handled, from its positions (``consumer_positions``): every event of a
stream up to the position's version has been handled (or passed over, for a type it ignores)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import RecordedEvent

POSITION = text("SELECT version FROM consumer_positions WHERE consumer = :c AND stream_id = :s")


async def position_of(engine: AsyncEngine, consumer: str, stream_id: str) -> int:
    async with engine.connect() as conn:
        version = (await conn.execute(POSITION, {"c": consumer, "s": stream_id})).scalar()
    return int(version or 0)


async def has_handled(engine: AsyncEngine, consumer: str, event: RecordedEvent) -> bool:
    return await position_of(engine, consumer, event.stream_id) >= event.stream_version
