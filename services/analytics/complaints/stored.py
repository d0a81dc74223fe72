"""The stored events behind timeline rows: what people typed (a reason, a consent note) never
enters a read model, so the lists that show it read it from the store, decoded and upcast as
the domain reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.complaints import COMPLAINT_EVENTS
from shared.events import Event
from shared.eventstore import PostgresEventStore

E = TypeVar("E", bound=Event)


async def stored_events(
    engine: AsyncEngine, rows: Iterable[Mapping[str, Any]], kind: type[E]
) -> dict[tuple[str, int], E]:
    """The ``kind`` event each row (``complaint_no``, ``stream_version``) stands for, by both."""
    store = PostgresEventStore(engine)
    found: dict[tuple[str, int], E] = {}
    for row in rows:
        key = (row["complaint_no"], row["stream_version"])
        [recorded, *_] = await store.read_stream(key[0], from_version=key[1])
        event = COMPLAINT_EVENTS.decode(recorded)
        if isinstance(event, kind):
            found[key] = event
    return found
