"""An import interrupted with Ctrl-C (SIGINT) stops at a whole batch and says so; running the same
command again imports the rest, nothing twice."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine
from tests.conftest import DatabaseFactory
from tests.support.history_register import MAPPING, ROOT, import_environment, register, run_import

pytestmark = pytest.mark.integration


async def received(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM events WHERE type = 'ComplaintReceived'")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_an_interrupted_import_goes_on_where_it_stopped(
    new_database: DatabaseFactory, tmp_path: Path
) -> None:
    made = register(1000, seed=5, refused_every=10**6)
    url = await new_database()
    file = made.write_csv(tmp_path / "register.csv")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tooling.cli",
        "import",
        str(file),
        "--mapping",
        str(MAPPING),
        "--json",
        "--batch",
        "5",
        cwd=ROOT,
        env=import_environment(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    while b"rows (" not in (line := await asyncio.wait_for(process.stderr.readline(), 60)):
        assert line, "the import ended before its first progress line"
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 130, err.decode()
    first = json.loads(out)
    assert first["interrupted"] is True
    assert 0 < first["imported"] < made.valid
    assert await received(url) == first["imported"]  # whole rows only, every one counted

    again = await run_import(url, file, "--mapping", MAPPING, "--json")
    assert again.code == 0, again.err
    assert again.summary["already_there"] == first["imported"]
    assert again.summary["imported"] == made.valid - first["imported"]
    assert await received(url) == made.valid
