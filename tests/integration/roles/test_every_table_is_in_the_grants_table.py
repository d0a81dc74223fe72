"""A migration that adds a table must say in the grants table who may use it (shared/db/grants.py).

Without an entry no role would get any privilege on it, and the service needing it would fail
only when it first touches it; this fails at once instead.
"""

from __future__ import annotations

import asyncpg
import pytest

from shared.db.grants import FIND_RELATIONS, GRANTS, ROLES, relations_of, ungranted
from tests.integration.eventstore.conftest import dsn

pytestmark = pytest.mark.integration


async def test_every_table_and_sequence_of_the_schema_has_an_entry(database_url: str) -> None:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        relations = relations_of(await conn.fetch(FIND_RELATIONS))
    finally:
        await conn.close()
    missing = ungranted(relations)
    assert not missing, (
        f"not in shared/db/grants.py GRANTS: {', '.join(missing)}; add an entry per table naming the "
        "roles that may use it and how ({} if none may)"
    )
    names = {relation.name for relation in relations}
    stale = sorted(set(GRANTS) - names)
    assert not stale, f"GRANTS names relations the migrations no longer create: {', '.join(stale)}"


async def test_the_group_roles_cannot_log_in(database_url: str) -> None:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        rows = await conn.fetch(
            "SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = ANY($1::text[])",
            [role.name for role in ROLES],
        )
    finally:
        await conn.close()
    assert len(rows) == len(ROLES)
    assert not any(row["rolcanlogin"] or row["rolsuper"] for row in rows)
