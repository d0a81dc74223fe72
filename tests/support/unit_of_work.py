"""A unit of work for unit tests: an in-memory event store, no database.

A handler that only touches the event store runs on it as it does on PostgreSQL; one that asks for
the connection (a service's own tables) fails loudly, naming what it wanted: such a handler is
tested against the real database (tests/integration).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.eventstore import InMemoryEventStore
from shared.eventstore.unit_of_work import OWN_COMMIT_ATTEMPTS, NoTransaction, UnitOfWork


@dataclass
class FakeUnitOfWork:
    store: InMemoryEventStore = field(default_factory=InMemoryEventStore)
    attempts: int = OWN_COMMIT_ATTEMPTS
    opened: int = 0
    committed: int = 0
    rolled_back: int = 0

    @property
    def connection(self) -> AsyncConnection:
        raise NoTransaction("a unit test's unit of work has no database connection")

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        """As a factory of units of work (``UnitsOfWork``): counts what was committed or rolled
        back. The in-memory store keeps what was appended either way: tests that care about a
        rollback check ``rolled_back``."""
        self.opened += 1
        try:
            yield self
        except BaseException:
            self.rolled_back += 1
            raise
        self.committed += 1
