"""Where each follower of the store has got to (``follower_checkpoints``): the outbox relay, each
consumer's catch-up, projection rebuilds. A position is (transaction id, global position): the
store's commit order (see shared/eventstore/postgres.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Position

LOAD = text("SELECT tx_id, global_position FROM follower_checkpoints WHERE name = :name")
SAVE = text(
    "INSERT INTO follower_checkpoints (name, tx_id, global_position) VALUES (:name, :tx_id, :position) "
    "ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, global_position = excluded.global_position, "
    "updated_at = now()"
)
CONSUMER_PREFIX = "consumer:"
"""Each consumer's catch-up checkpoint is named ``consumer:<name>``."""


def consumer_checkpoint(consumer: str) -> str:
    return f"{CONSUMER_PREFIX}{consumer}"


async def load_checkpoint(engine: AsyncEngine, name: str) -> Position:
    async with engine.connect() as conn:
        row = (await conn.execute(LOAD, {"name": name})).first()
    return Position(tx_id=row.tx_id, global_position=row.global_position) if row else Position()


async def save_checkpoint(engine: AsyncEngine, name: str, position: Position) -> None:
    # One statement, atomic on its own: autocommit saves the BEGIN and COMMIT round trips.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            SAVE, {"name": name, "tx_id": position.tx_id, "position": position.global_position}
        )
