"""`tousu analytics rebuild` TRUNCATEs tables: it says which database (host:port/name, never the
password) it rebuilds, and refuses one that is not a tousu store at this code's migrations (never
migrated by tousu, another Alembic project's, or behind), changing nothing there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from shared.db.migrate import alembic_config, upgrade
from shared.settings import Settings, database_label
from tests.integration.analytics.conftest import DatabaseFactory
from tests.support.backends import Backend

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SOMEONE_ELSES = (
    "CREATE TABLE analytics_complaints (complaint_no text); INSERT INTO analytics_complaints VALUES ('kept')"
)

RawDatabase = Callable[[], Awaitable[str]]


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_password(url: str) -> str:
    """The URL with a password to look for in the output: the server's own if it needs one (a
    trust-auth server ignores any)."""
    parsed = make_url(url)
    if parsed.password is None:
        parsed = parsed.set(password="never-printed-4711")
    return parsed.render_as_string(hide_password=False)


@pytest_asyncio.fixture(loop_scope="session")
async def raw_database(postgres_backend: Backend) -> AsyncIterator[RawDatabase]:
    """Empty databases that tousu never migrated (dropped afterwards)."""
    created: list[str] = []
    admin = await asyncpg.connect(libpq(f"{postgres_backend.url}/postgres"))

    async def create() -> str:
        name = f"not_tousu_{uuid.uuid4().hex[:10]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return with_password(f"{postgres_backend.url}/{name}")

    try:
        yield create
    finally:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def tousu(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it, with no TOUSU_* environment and no running stack."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tooling.cli", *args],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def fetch(url: str, query: str) -> list[tuple[object, ...]]:
    conn = await asyncpg.connect(libpq(url))
    try:
        return [tuple(row) for row in await conn.fetch(query)]
    finally:
        await conn.close()


def assert_no_password(url: str, output: str) -> None:
    password = make_url(url).password
    assert password and password not in output


def without_owner_warning(stderr: str) -> list[str]:
    """The lines of ``stderr`` but the one warning that the rebuild runs as the owner (given only
    --database-url, it has no analytics login to use)."""
    lines = stderr.splitlines()
    warned = [line for line in lines if line.startswith("TOUSU_ANALYTICS_DATABASE_URL is not set: ")]
    assert len(warned) == 1, stderr
    return [line for line in lines if line not in warned]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("", "it has no migrations table (alembic_version)"),
        (
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); "
            "INSERT INTO alembic_version VALUES ('4f2a9c');",
            "it has a migrations table but no event store (events)",
        ),
    ],
    ids=["never-migrated", "another-alembic-project"],
)
async def test_a_database_that_is_not_a_store_is_refused_and_left_alone(
    raw_database: RawDatabase, tmp_path: Path, setup: str, reason: str
) -> None:
    url = await raw_database()
    conn = await asyncpg.connect(libpq(url))
    try:
        await conn.execute(setup + SOMEONE_ELSES)
    finally:
        await conn.close()

    result = await tousu(tmp_path, "analytics", "rebuild", "--database-url", url)

    assert result.returncode == 1, result.stdout + result.stderr
    where = database_label(url)
    lines = without_owner_warning(result.stderr)
    assert lines[0].startswith(f"tousu: database {where} (--database-url)")
    assert lines[1].startswith(f"tousu analytics rebuild: refusing: {where} is not a tousu store: ")
    assert reason in lines[1] and lines[1].endswith("; nothing was changed")
    assert lines[2].startswith(f"tousu analytics rebuild: 拒绝执行：{where} 不是 tousu 数据库")
    assert "rebuilding" not in result.stderr and result.stdout == ""
    assert_no_password(url, result.stdout + result.stderr)
    assert await fetch(url, "SELECT complaint_no FROM analytics_complaints") == [("kept",)]


async def test_a_store_behind_the_code_is_refused_until_migrated(
    raw_database: RawDatabase, tmp_path: Path
) -> None:
    url = await raw_database()
    scripts = ScriptDirectory.from_config(alembic_config(url))
    head = scripts.get_current_head()
    assert head is not None
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    await upgrade(Settings(database_url=url), revision=previous)

    refused = await tousu(tmp_path, "analytics", "rebuild", "--database-url", url)
    assert refused.returncode == 1, refused.stderr
    assert (
        f"refusing: {database_label(url)} is at migration {previous}, this version of tousu expects "
        f"{head}: run `tousu migrate`"
    ) in refused.stderr

    migrated = await tousu(tmp_path, "migrate", "--database-url", url)
    assert migrated.returncode == 0, migrated.stderr
    rebuilt = await tousu(tmp_path, "analytics", "rebuild", "--database-url", url)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "analytics read models rebuilt from zero: 0 events" in rebuilt.stdout


async def test_a_store_is_named_before_it_is_rebuilt(new_database: DatabaseFactory, tmp_path: Path) -> None:
    url = with_password(await new_database())
    result = await tousu(tmp_path, "analytics", "rebuild", "--database-url", url)
    assert result.returncode == 0, result.stderr
    where = database_label(url)
    assert without_owner_warning(result.stderr)[:2] == [
        f"tousu: database {where} (--database-url), Kafka 127.0.0.1:9092 (default); no `tousu up` is "
        f"running with data in {tmp_path / '.tousu'}",
        f"tousu analytics rebuild: rebuilding the analytics read models of {where}",
    ]
    assert_no_password(url, result.stdout + result.stderr)
    assert "rebuilt from zero" in result.stdout


async def test_a_database_that_does_not_exist_is_one_line(postgres_backend: Backend, tmp_path: Path) -> None:
    url = f"{postgres_backend.url}/no_such_database_{uuid.uuid4().hex[:8]}"
    result = await tousu(tmp_path, "analytics", "rebuild", "--database-url", url)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"tousu analytics rebuild: cannot use the database {database_label(url)}: ")
    assert "does not exist" in last and "Traceback" not in result.stderr
