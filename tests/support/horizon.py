"""Waiting for the store's read horizon, for tests that read_all right after writing.

A follower reads only transactions older than every transaction still running, and that horizon
is server-wide: a parallel test worker's open transaction holds it back for a moment. A test that
appended and then reads in commit order waits first, instead of asserting on a follower that is
merely behind.
"""

from __future__ import annotations

from typing import Any

from shared.eventstore import PostgresEventStore


async def settled(store: Any, within: float = 30.0) -> None:
    """Return once every transaction committed before the call is behind the read horizon
    (the in-memory store has none)."""
    if isinstance(store, PostgresEventStore):
        await store.wait_until_followable(within)
