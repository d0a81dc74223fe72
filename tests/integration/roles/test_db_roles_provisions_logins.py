"""`tousu db roles`: each process's login from its URL (name and password), a member of its group
role only; it refuses a login that would carry more power than its group gives."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db.grants import ROLE_BY_KEY
from shared.db.logins import Login, LoginError, logins_of, provision
from shared.settings import Settings
from tests.integration.eventstore.conftest import dsn

pytestmark = pytest.mark.integration


@pytest.fixture
async def fresh_login(database_url: str) -> AsyncIterator[str]:
    """A login name nobody uses; dropped afterwards (roles belong to the whole server)."""
    name = f"tousu_test_login_{uuid.uuid4().hex[:8]}"
    yield name
    conn = await asyncpg.connect(dsn(database_url))
    try:
        await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await conn.close()


async def test_the_command_creates_the_login_of_each_url_with_its_password(
    database_url: str, fresh_login: str
) -> None:
    audit_url = database_url.replace("postgres@", f"{fresh_login}:s3cret@", 1)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
    env |= {"TOUSU_DATABASE_URL": database_url, "TOUSU_AUDIT_DATABASE_URL": audit_url}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tooling.cli", "db", "roles"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{fresh_login}: created, member of tousu_audit" in result.stdout
    assert "password set" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr
    assert "TOUSU_INTAKE_DATABASE_URL=postgresql://tousu_intake_login@" in result.stdout
    conn = await asyncpg.connect(dsn(database_url))
    try:
        row = await conn.fetchrow(
            "SELECT rolcanlogin, rolsuper, rolpassword IS NOT NULL AS has_password, "
            "ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "      WHERE m.member = a.oid) AS groups FROM pg_authid a WHERE rolname = $1",
            fresh_login,
        )
    finally:
        await conn.close()
    assert row["rolcanlogin"] and not row["rolsuper"] and row["has_password"]
    assert row["groups"] == ["tousu_audit"]


@pytest.mark.parametrize("user", ["postgres", "tousu_routing"])
async def test_the_owner_or_a_group_role_is_refused_as_a_login(database_url: str, user: str) -> None:
    with pytest.raises(LoginError):
        await provision(database_url, [Login(ROLE_BY_KEY["intake"], user, None)])


async def test_a_login_with_other_memberships_is_refused(database_url: str, fresh_login: str) -> None:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        await conn.execute(f'CREATE ROLE "{fresh_login}" LOGIN IN ROLE pg_read_all_data')
    finally:
        await conn.close()
    with pytest.raises(LoginError, match="pg_read_all_data"):
        await provision(database_url, [Login(ROLE_BY_KEY["audit"], fresh_login, None)])


def test_one_login_for_two_processes_is_refused() -> None:
    shared = "postgresql://shared_login@db.example/tousu"
    with pytest.raises(LoginError, match="shared_login"):
        logins_of(Settings(intake_database_url=shared, routing_database_url=shared))
