"""One group role per tousu process, with only the privileges it needs (shared/db/grants.py).

Until now every process connected as the owner (a superuser in most setups), which could also
rewrite the append-only ``events`` table (``SET session_replication_role = replica`` switches
its refusing trigger off). This creates the group roles ``tousu_intake``, ``tousu_routing``,
``tousu_sla``, ``tousu_feedback``, ``tousu_analytics``, ``tousu_audit``, ``tousu_import`` and
``tousu_dead_letters`` (NOLOGIN: the login roles the processes connect as are made members of
them by `tousu db roles`), and grants them what :data:`shared.db.grants.GRANTS` states.
`tousu migrate` applies that table again after every migration, so a later table only needs its
entry there.

``tousu_app`` (created by 0001, never used by any process) loses its privileges in this
database: the grants table is the one statement of who may do what. The role itself stays, as
roles belong to the whole server and other databases on it may still refer to it.

Revision ID: 0017
Revises: 0015
"""

from alembic import op

from shared.db.grants import ROLES, apply_grants, create_roles_sql, quoted
from shared.db.sql_script import execute_script

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

RETIRE_TOUSU_APP = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tousu_app') THEN
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tousu_app;
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tousu_app;
        REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM tousu_app;
    END IF;
END $$;
"""


def upgrade() -> None:
    execute_script(create_roles_sql())
    execute_script(RETIRE_TOUSU_APP)
    apply_grants(op.get_bind())


def downgrade() -> None:
    # the roles stay: other databases of the server may use them
    roles = ", ".join(quoted(role.name) for role in ROLES)
    execute_script(
        f"""
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {roles};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {roles};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {roles};
REVOKE ALL ON SCHEMA public FROM {roles};
"""
    )
