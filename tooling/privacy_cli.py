"""`tousu privacy wrap-keys` and `tousu privacy settle-keys`: the key ring's maintenance.

* ``wrap-keys``: wrap every complainant key still stored in plain (rows written before
  migration 0018), then rewrite the key table (VACUUM FULL) and checkpoint, so the plain keys
  leave the table's files. Run once after upgrading; again is harmless.
* ``backup-keys --to DIR``: copy the key ring file to DIR (after every erasure, apart from
  the database's backups).
* ``settle-keys``: drop from the key ring every KEK that no live key needs any more (an erasure
  that crashed after its commit, or rolled back). Every erasure does it too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import create_engine
from shared.privacy.config import PrivacySettings
from shared.privacy.envelope import key_ring, settle, wrap_plain_keys
from shared.privacy.keyring import KeyRing
from shared.settings import load_settings


@asynccontextmanager
async def _database_and_ring() -> AsyncIterator[tuple[AsyncEngine, KeyRing]]:
    """The store's database (as the owner, whose rights these commands need) and its key ring."""
    settings, privacy = load_settings(), PrivacySettings()
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            ring = await key_ring(conn, privacy.key_ring_dir)
        yield engine, ring
    finally:
        await engine.dispose()


async def _wrap_keys() -> int:
    async with _database_and_ring() as (engine, ring):
        print(f"key ring: {ring.path}")
        wrapped = await wrap_plain_keys(engine, ring)
        print(f"wrapped {wrapped} key(s) stored in plain")
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            # the plain keys live on in the dead row versions until the table is rewritten
            await conn.execute(text("VACUUM FULL privacy_complainant_keys"))
            print("rewrote privacy_complainant_keys (VACUUM FULL)")
            try:
                await conn.execute(text("CHECKPOINT"))
                print("checkpoint done")
            except DBAPIError as error:
                print(
                    f"CHECKPOINT refused ({error.orig}): ask the database administrator to run it "
                    "(it needs a superuser or the pg_checkpoint role)",
                    file=sys.stderr,
                )
                return 1
    print("see docs/privacy.md for the WAL segments and backups that still hold plain keys")
    return 0


async def _settle_keys() -> int:
    async with _database_and_ring() as (engine, ring):
        print(f"key ring: {ring.path}")
        dropped = await settle(engine, ring)
        print(f"dropped the old KEK of {dropped} bucket(s)")
    return 0


async def _backup_keys(directory: Path) -> int:
    async with _database_and_ring() as (_, ring):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        print(f"key ring {ring.path} copied to {ring.back_up(directory, stamp)}")
    return 0


def cmd_backup_keys(args: argparse.Namespace) -> int:
    return asyncio.run(_backup_keys(Path(args.to)))


def cmd_wrap_keys(args: argparse.Namespace) -> int:
    return asyncio.run(_wrap_keys())


def cmd_settle_keys(args: argparse.Namespace) -> int:
    return asyncio.run(_settle_keys())
