"""Apply the Alembic migrations; creates the database itself when it is missing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.grants import apply_grants
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it does not exist; True when created."""
    url = make_url(database_url)
    name = url.database
    admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False
        return True
    finally:
        await conn.close()


async def upgrade(settings: Settings, revision: str = "head") -> None:
    await ensure_database(settings.database_url)
    config = alembic_config(settings.database_url)
    # Alembic's env.py runs its own event loop; keep it off ours.
    await asyncio.to_thread(command.upgrade, config, revision)
    if revision == "head":
        await reconcile_grants(settings.database_url)


async def reconcile_grants(database_url: str) -> None:
    """Apply the grants table (shared/db/grants.py) again after the migrations: a table a later
    migration added gets its roles' privileges even if that migration granted nothing."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(apply_grants)
    finally:
        await engine.dispose()
