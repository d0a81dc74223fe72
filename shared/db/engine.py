"""One async SQLAlchemy engine per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(database_url: str, *, pool_size: int = 10, application_name: str = "tousu") -> AsyncEngine:
    engine = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # Not pool_pre_ping: on asyncpg it costs BEGIN, a ping and ROLLBACK (three round trips) on
        # every checkout, more than a one-event append itself (issue 7). The check below is free.
        pool_pre_ping=False,
        connect_args={"server_settings": {"application_name": application_name}},
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
