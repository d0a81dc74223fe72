"""When a complaint's SLA clock row and its analytics row were first written (the pipeline's
milestones "SLA set" and "visible in analytics", timed by the end-to-end benchmark).

``created_at`` is filled by the database (clock_timestamp(), the instant of the INSERT, not the
start of its transaction) and is never written by the services: an UPDATE — and the analytics
UPSERT, whose ON CONFLICT branch lists only the projected columns — keeps the first insert's
time. Existing rows get the instant of this upgrade (a volatile default: PostgreSQL rewrites both
tables once, holding an exclusive lock on each meanwhile).

Unlike every other column of the analytics read models (0006), this one is not derived from
the events: it is when the row appeared in this database, so `tousu analytics rebuild`, which
truncates and re-inserts, sets it to the rebuild's time. The services never read it. No GRANT:
tousu_app's table-level privileges (0004, 0006) cover new columns.

Revision ID: 0014
Revises: 0013
"""

from shared.db.sql_script import execute_script

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE sla_deadlines ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE analytics_complaints ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();
"""

DOWNGRADE = r"""
ALTER TABLE analytics_complaints DROP COLUMN IF EXISTS created_at;
ALTER TABLE sla_deadlines DROP COLUMN IF EXISTS created_at;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
