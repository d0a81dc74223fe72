"""What a handler works in: the event store and a service's own tables, committed together.

Every handler (HTTP, Kafka, SMTP, import) takes a :class:`UnitOfWork` instead of a database
connection, so a unit test drives it with a fake (``tests/support/unit_of_work.py``: an in-memory
event store, no database) and the entrypoints decide how the work is committed:

* :class:`SqlUnitOfWork` — one PostgreSQL transaction: its event store is bound to the
  transaction's connection and a service's SQL adapters (repositories, queries) use that same
  connection, so events and their effects commit together. A consumer's ``HandlerContext`` is one
  (the consumer's transaction, with the processed-event marks); :func:`sql_units_of_work` opens
  one per call for an HTTP handler that writes more than one thing.
* :class:`AppendUnitOfWork` — no transaction around the handler: each append is atomic and commits
  on its own (one statement, no BEGIN/COMMIT round trips), for a complaint command that appends
  once; a lost race is decided again on fresh state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.eventstore.interface import EventStore
from shared.eventstore.postgres import PostgresEventStore

IN_TRANSACTION_ATTEMPTS = 1
"""A lost race aborts a transaction: whoever opened it tries the whole unit again."""

OWN_COMMIT_ATTEMPTS = 3
"""Each append commits alone: a lost race is decided again on fresh state, this many times in all."""


class UnitOfWork(Protocol):
    """The event store as one handler's work sees it, and (for the service's SQL adapters) the
    connection of its transaction."""

    @property
    def store(self) -> EventStore: ...

    @property
    def connection(self) -> AsyncConnection:
        """For a service's own tables; raises NoTransaction where the work has none."""
        ...

    @property
    def attempts(self) -> int:
        """How many times a command that lost a race to another writer may be decided in this
        unit (``execute(..., attempts=uow.attempts)``)."""
        ...


UnitsOfWork = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
"""Opens a unit of work: committed when the block ends, rolled back when it raises."""


class NoTransaction(RuntimeError):
    """The handler asked for a connection in a unit of work that has none."""


@dataclass(frozen=True)
class SqlUnitOfWork:
    """One PostgreSQL transaction: the store bound to it, and its connection."""

    connection: AsyncConnection
    store: PostgresEventStore

    @property
    def attempts(self) -> int:
        return IN_TRANSACTION_ATTEMPTS

    @classmethod
    def of(cls, engine: AsyncEngine, connection: AsyncConnection) -> SqlUnitOfWork:
        return cls(connection, PostgresEventStore(engine, connection))


def sql_units_of_work(engine: AsyncEngine) -> UnitsOfWork:
    """A transaction of its own per unit of work (``async with units() as uow: ...``)."""

    @asynccontextmanager
    async def begin() -> AsyncIterator[UnitOfWork]:
        async with engine.begin() as connection:
            yield SqlUnitOfWork.of(engine, connection)

    return begin


@dataclass(frozen=True)
class AppendUnitOfWork:
    """No transaction: each append of ``store`` commits on its own (see the module docstring)."""

    store: EventStore

    @property
    def connection(self) -> AsyncConnection:
        raise NoTransaction("this unit of work commits each append on its own; it has no connection")

    @property
    def attempts(self) -> int:
        return OWN_COMMIT_ATTEMPTS
