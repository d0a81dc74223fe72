"""Co-operating departments (协同部门) in routing's department feeds.

* ``routing_assignments.cooperations``: the complaint's co-operation records (department, status,
  requested_at, agent, accepted_at, contributed_at), as the domain folds them; ``[]`` for none.
* ``routing_assignments.cooperating``: the codes of the departments that co-operate (or
  co-operated) on it, so a department's feed lists them too (GIN-indexed).

Revision ID: 0023
Revises: 0022
"""

from shared.db.sql_script import execute_script

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE routing_assignments ADD COLUMN IF NOT EXISTS cooperations jsonb NOT NULL DEFAULT '[]';
ALTER TABLE routing_assignments ADD COLUMN IF NOT EXISTS cooperating text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS routing_assignments_cooperating ON routing_assignments USING gin (cooperating);

-- Privileges: shared/db/grants.py (the table's, unchanged).
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS routing_assignments_cooperating;
ALTER TABLE routing_assignments DROP COLUMN IF EXISTS cooperating;
ALTER TABLE routing_assignments DROP COLUMN IF EXISTS cooperations;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
