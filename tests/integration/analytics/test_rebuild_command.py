"""`tousu analytics rebuild` (services.analytics.cli.cmd_rebuild) rebuilds a database's read models."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.complaints import Status
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tests.integration.analytics.conftest import (
    DatabaseFactory,
    append_history,
    domain_row,
    history_to,
    new_number,
    read_row,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import argparse, sys
from services.analytics.cli import cmd_rebuild
sys.exit(cmd_rebuild(argparse.Namespace(batch=3)))
"""


async def test_the_command_rebuilds_from_the_store(new_database: DatabaseFactory) -> None:
    url = await new_database()
    engine = create_engine(url, pool_size=2)
    try:
        store = PostgresEventStore(engine)
        numbers = [new_number(), new_number()]
        await append_history(store, numbers[0], history_to(Status.CLOSED, numbers[0]))
        await append_history(store, numbers[1], history_to(Status.ASSIGNED, numbers[1], "logistics"))

        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SCRIPT,
            cwd=ROOT,
            env={**os.environ, "TOUSU_DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()

        assert process.returncode == 0, err.decode()
        assert "rebuilt from zero: 9 events in 3 batches" in out.decode()
        for no in numbers:
            assert await read_row(engine, no) == await domain_row(store, no)
        async with engine.connect() as conn:
            entries = (await conn.execute(text("SELECT count(*) FROM analytics_timeline"))).scalar_one()
        assert entries == 9
    finally:
        await engine.dispose()
