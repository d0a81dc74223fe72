"""One async SQLAlchemy engine per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Always plan with the parameters' values. asyncpg prepares every statement, and after five runs
# PostgreSQL may switch a prepared statement to a generic plan that it keeps for the connection's
# life: made while a table was small (a new database, the first minutes after `tousu up`), that
# plan is a sequential scan, and `WHERE complaint_no = ANY($1)` then reads the whole table on every
# call as it grows (seen in the end-to-end benchmark: 30 ms per read-model batch, and the append
# function's duplicate check joining all of `events`), and runs got slower one after the other.
# Planning each run costs from tens of microseconds up to ~0.5 ms for a 100-key array, once per
# batch; custom plans follow the table's actual size even before statistics catch up.
PLANNING = {"plan_cache_mode": "force_custom_plan"}


def create_engine(database_url: str, *, pool_size: int = 10, application_name: str = "tousu") -> AsyncEngine:
    engine = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # Not pool_pre_ping: on asyncpg it costs BEGIN, a ping and ROLLBACK (three round trips) on
        # every checkout, more than a one-event append itself. The check below is free.
        pool_pre_ping=False,
        # An error's message never holds the statement's parameters: they are request data
        # (names, phone numbers, free text), and tracebacks and logs print the message.
        hide_parameters=True,
        connect_args={"server_settings": {"application_name": application_name, **PLANNING}},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Replace a pooled connection whose socket the server closed (restart, terminated backend).

    asyncpg notices the close as soon as the event loop reads the socket's end, so this costs no
    round trip. A connection that dies silently is still found by its first failing statement,
    after which SQLAlchemy invalidates the pool.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")
