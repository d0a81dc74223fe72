"""Every service and command connects as its own login role, which can do only what it needs.

The services connect through their Runtime's engine (as when they serve); the commands through
``Settings.as_role`` (as `tousu audit`, `tousu import`, `tousu dead-letters` do). Each role's
privileges on every table are exactly what the grants table states, and what no role may do
(rewrite the event store, change the schema, switch triggers off) is refused by the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db.grants import GRANTS, ROLE_BY_KEY, ROLES, SERVICES
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.eventstore.conftest import dsn
from tests.support.settings import TEST_LOGINS, role_urls

pytestmark = pytest.mark.integration

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

REFUSED = [
    "UPDATE events SET payload = '{}'::jsonb",
    "DELETE FROM events",
    "TRUNCATE events",
    "CREATE TABLE sneaky (id integer)",
    "ALTER TABLE events DISABLE TRIGGER USER",
    "ALTER TABLE revisits ADD COLUMN sneaky integer",
    "DROP TABLE dead_letters",
    "SET session_replication_role = replica",
    "CREATE ROLE sneaky LOGIN SUPERUSER",
    "CREATE DATABASE sneaky",
    "GRANT tousu_intake TO CURRENT_USER",
]

# A service checks a session and moves its "last used"; it can neither start one, end one nor
# change whose it is (analytics, which signs in and out, may start and end them).
SESSION_WRITES = [
    "INSERT INTO web_sessions DEFAULT VALUES",
    "UPDATE web_sessions SET revoked_at = NULL",
    "UPDATE web_sessions SET token_id = 'another'",
    "DELETE FROM web_sessions",
]

# What a role has no business with, by name (the exact check below covers every table too).
OUT_OF_BOUNDS = {
    "intake": ["SELECT * FROM revisits", "SELECT * FROM sla_deadlines", "SELECT * FROM analytics_complaints"],
    "routing": ["SELECT * FROM privacy_complainant_keys", "SELECT * FROM intake_idempotency"],
    "sla": ["SELECT * FROM privacy_complainant_keys", "DELETE FROM routing_assignments"],
    "feedback": ["DELETE FROM privacy_complainant_keys", "SELECT * FROM privacy_complainant_lookup"],
    "analytics": ["INSERT INTO privacy_complainant_keys DEFAULT VALUES", "SELECT * FROM sla_deadlines"],
    "audit": [
        "INSERT INTO events DEFAULT VALUES",
        "SELECT * FROM privacy_complainant_keys",
        "SELECT * FROM dead_letters",
    ],
    "import": ["SELECT * FROM routing_assignments", "UPDATE intake_submissions SET due_at = now()"],
    "dead_letters": [
        "SELECT * FROM events",
        "SELECT * FROM privacy_complainant_keys",
        "SELECT * FROM web_sessions",
    ],
}
SESSIONS_OUT_OF_BOUNDS = {
    "intake": SESSION_WRITES,
    "routing": SESSION_WRITES,
    "sla": SESSION_WRITES,
    "feedback": SESSION_WRITES,
    "analytics": [
        "UPDATE web_sessions SET subject = 'someone-else'",
        "UPDATE web_sessions SET expires_at = now()",
    ],
}
"""Statements each role's login must be refused (insufficient privilege)."""


@pytest.fixture(scope="module")
async def settings(new_database) -> Settings:  # type: ignore[no-untyped-def]
    url = await new_database()
    return Settings(database_url=url, **role_urls(url))  # type: ignore[arg-type]


async def _connect(settings: Settings, key: str) -> asyncpg.Connection:
    """The connection the process ``key`` makes: a service's Runtime engine, a command's URL."""
    if key in SERVICES:
        runtime = Runtime(key, settings)
        await runtime.engine.dispose()
        url = runtime.settings.database_url
    else:
        url = settings.as_role(key).database_url
    connection: asyncpg.Connection = await asyncpg.connect(dsn(url))
    return connection


@pytest.fixture(params=[role.key for role in ROLES])
async def connected(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    conn = await _connect(settings, request.param)
    try:
        yield request.param, conn
    finally:
        await conn.close()


async def test_it_is_its_own_login_without_powers(connected: tuple[str, asyncpg.Connection]) -> None:
    key, conn = connected
    login = next(login for login in TEST_LOGINS if login.role.key == key)
    row = await conn.fetchrow(
        "SELECT current_user AS who, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, "
        "r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user"
    )
    assert row["who"] == login.user
    assert not any(row[name] for name in ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication"))
    assert not row["rolbypassrls"]
    groups = await conn.fetch(
        "SELECT rolname FROM pg_roles WHERE rolname LIKE 'tousu\\_%' AND rolname <> current_user "
        "AND pg_has_role(current_user, oid, 'MEMBER')"
    )
    assert [r["rolname"] for r in groups] == [ROLE_BY_KEY[key].name]
    owned = await conn.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')"
    )
    assert owned == 0


async def test_its_privileges_are_exactly_the_grants_table(connected: tuple[str, asyncpg.Connection]) -> None:
    key, conn = connected
    tables = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    )
    wrong = []
    for (table,) in tables:
        granted = GRANTS[table].get(key, ())
        for privilege in TABLE_PRIVILEGES:
            held = await conn.fetchval("SELECT has_table_privilege(current_user, $1, $2)", table, privilege)
            if held != (privilege in granted):
                wrong.append(f"{table}: {privilege} {'held' if held else 'missing'}")
    assert not wrong


async def test_its_column_privileges_are_the_grants_table(connected: tuple[str, asyncpg.Connection]) -> None:
    """``UPDATE (last_seen_at)``: a privilege on those columns only (the check above sees no
    table-wide UPDATE)."""
    key, conn = connected
    for table, by_role in GRANTS.items():
        for privilege in by_role.get(key, ()):
            kind, _, columns = privilege.partition(" (")
            for column in filter(None, columns.rstrip(")").split(", ")):
                held = await conn.fetchval("SELECT has_column_privilege($1, $2, $3)", table, column, kind)
                assert held, f"{table}.{column}: {kind} missing"


@pytest.mark.parametrize("statement", REFUSED)
async def test_it_cannot_rewrite_history_or_change_the_schema(
    connected: tuple[str, asyncpg.Connection], statement: str
) -> None:
    _, conn = connected
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute(statement)


async def test_it_cannot_touch_what_is_not_its_business(connected: tuple[str, asyncpg.Connection]) -> None:
    key, conn = connected
    for statement in OUT_OF_BOUNDS[key] + SESSIONS_OUT_OF_BOUNDS.get(key, []):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
