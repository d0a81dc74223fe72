"""Run a multi-statement SQL script inside an Alembic migration.

asyncpg prepares every statement, and a prepared statement holds one command; a script with
functions and triggers goes through the driver's simple-query path instead, in the same
transaction as the rest of the migration.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.util import await_only


def execute_script(sql: str) -> None:
    dbapi_connection = op.get_bind().connection.dbapi_connection
    assert dbapi_connection is not None
    await_only(dbapi_connection.driver_connection.execute(sql))
