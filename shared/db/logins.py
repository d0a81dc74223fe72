"""The login roles the processes connect as, each a member of its group role (shared/db/grants.py).

`tousu db roles` (and `tousu up`) run this as the owner after the migrations. A process's login
is the user of its URL, ``TOUSU_<KEY>_DATABASE_URL``, with that URL's password; with no URL,
``tousu_<key>_login`` without a password (enough where the server trusts local connections, as
`tousu up`'s embedded PostgreSQL does). A login is created when missing, else brought back to
LOGIN without any power over the server (no superuser, CREATEDB, CREATEROLE, replication or
BYPASSRLS), its password set when the URL has one, and made a member of its group role and of
no other tousu group. Logins belong to the whole server: one login serves every database of it.

It refuses a login that is the owner itself, a superuser, or any other role with powers or
other memberships (it would have to take them away from a role somebody else may rely on), one
of the group roles, or the login of two processes.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from shared.db.grants import ROLES, Role
from shared.settings import Settings

ATTRIBUTES = "LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

RACES = (asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError, asyncpg.InternalServerError)
"""What two provisionings of one server at once may run into (roles are server-wide; "tuple
concurrently updated" is an internal error): the loser tries again."""


class LoginError(Exception):
    """A login that cannot be provisioned as asked (the message says why)."""


@dataclass(frozen=True)
class Login:
    role: Role
    user: str
    password: str | None


def default_login(role: Role) -> str:
    return f"{role.name}_login"


def logins_of(settings: Settings) -> list[Login]:
    """Each group role's login, from its TOUSU_<KEY>_DATABASE_URL or the default name."""
    logins = []
    for role in ROLES:
        url = settings.role_database_url(role.key)
        if url is None:
            logins.append(Login(role, default_login(role), None))
            continue
        parsed = make_url(url)
        if not parsed.username:
            raise LoginError(f"TOUSU_{role.key.upper()}_DATABASE_URL names no user")
        logins.append(Login(role, parsed.username, parsed.password))
    users = [login.user for login in logins]
    shared = sorted({user for user in users if users.count(user) > 1})
    if shared:
        raise LoginError(f"one login for several processes ({', '.join(shared)}): give each its own")
    return logins


def role_url(owner_url: str, login: Login) -> str:
    """The owner's URL with the login's user and password instead."""
    return (
        make_url(owner_url)
        .set(username=login.user, password=login.password)
        .render_as_string(hide_password=False)
    )


async def provision(owner_url: str, logins: list[Login]) -> list[str]:
    """Create or fix each login (as the owner of ``owner_url``); one line per login."""
    url = make_url(owner_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        missing = [
            role.name
            for role in ROLES
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role.name)
        ]
        if missing:
            raise LoginError(f"the group roles {', '.join(missing)} do not exist: run `tousu migrate` first")
        lines = []
        for login in logins:
            for attempt in range(5):
                try:
                    lines.append(await _provision_one(conn, login))
                    break
                except RACES:
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.1 * (attempt + 1))
        return lines
    finally:
        await conn.close()


async def _provision_one(conn: asyncpg.Connection, login: Login) -> str:
    groups = {role.name for role in ROLES}
    if login.user in groups:
        raise LoginError(f"{login.user} is a group role (NOLOGIN); give {login.role.key} a login of its own")
    if login.user == await conn.fetchval("SELECT current_user"):
        raise LoginError(f"{login.user} is the owner running this; give {login.role.key} a login of its own")
    found = await conn.fetchrow(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls AS powerful "
        "FROM pg_roles WHERE rolname = $1",
        login.user,
    )
    async with conn.transaction():
        if found is None:
            await conn.execute(await _statement(conn, f"CREATE ROLE %I {ATTRIBUTES}", login))
            what = "created"
        elif found["powerful"]:
            raise LoginError(
                f"{login.user} has powers over the server (superuser, CREATEDB, CREATEROLE, replication "
                f"or BYPASSRLS); give {login.role.key} a login of its own"
            )
        else:
            await conn.execute(await _statement(conn, f"ALTER ROLE %I {ATTRIBUTES}", login))
            what = "updated"
        member_of = await conn.fetch(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1",
            login.user,
        )
        current = {row[0] for row in member_of}
        if current - groups:
            raise LoginError(
                f"{login.user} is also a member of {', '.join(sorted(current - groups))}, whose "
                f"privileges it would have; give {login.role.key} a login of its own"
            )
        for other in sorted((current & groups) - {login.role.name}):
            await conn.execute(await _format(conn, "REVOKE %I FROM %I", other, login.user))
        if login.role.name not in current:
            await conn.execute(await _format(conn, "GRANT %I TO %I", login.role.name, login.user))
    password = "password set" if login.password is not None else "no password"
    return f"{login.user}: {what}, member of {login.role.name} ({login.role.who}); {password}"


async def _statement(conn: asyncpg.Connection, template: str, login: Login) -> str:
    if login.password is None:
        return await _format(conn, template, login.user)
    return await _format(conn, template + " PASSWORD %L", login.user, login.password)


async def _format(conn: asyncpg.Connection, template: str, *values: str) -> str:
    """The statement with names and literals quoted by PostgreSQL's format() (role statements
    take no parameters)."""
    placeholders = "".join(f", ${n}::text" for n in range(2, len(values) + 2))
    statement: str = await conn.fetchval(f"SELECT format($1::text{placeholders})", template, *values)
    return statement


def cmd_roles(args: object) -> int:
    """`tousu db roles`: provision every process's login; print the URLs not configured yet."""
    settings = Settings()
    try:
        logins = logins_of(settings)
        lines = asyncio.run(provision(settings.database_url, logins))
    except LoginError as error:
        print(f"tousu db roles: {error}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    unset = [login for login in logins if settings.role_database_url(login.role.key) is None]
    if unset:
        print("not configured yet (each process connects as the owner until its variable is set):")
        for login in unset:
            url = role_url(settings.database_url, login).replace("postgresql+asyncpg://", "postgresql://", 1)
            print(f"  TOUSU_{login.role.key.upper()}_DATABASE_URL={url}")
    return 0
