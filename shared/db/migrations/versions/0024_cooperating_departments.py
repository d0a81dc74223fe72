"""Co-operating departments (协同部门) in routing's department feeds.

* ``routing_assignments.cooperations``: the complaint's co-operation records (department, status,
  requested_at, agent, accepted_at, contributed_at), as the domain folds them; ``[]`` for none.
* ``routing_assignments.cooperating``: the codes of the departments that co-operate (or
  co-operated) on it, so a department's feed lists them too (GIN-indexed).
* ``sla_deadlines``: the co-operation clocks (``cooperation_acceptance``,
  ``cooperation_contribution``) run one per co-operating department (its code in ``department``),
  so the one-running-clock index keys them by department too.

Revision ID: 0024
Revises: 0023
"""

from shared.db.sql_script import execute_script

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE routing_assignments ADD COLUMN IF NOT EXISTS cooperations jsonb NOT NULL DEFAULT '[]';
ALTER TABLE routing_assignments ADD COLUMN IF NOT EXISTS cooperating text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS routing_assignments_cooperating ON routing_assignments USING gin (cooperating);

ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit',
    'director_report', 'cooperation_acceptance', 'cooperation_contribution'));
DROP INDEX IF EXISTS sla_deadlines_one_running;
CREATE UNIQUE INDEX sla_deadlines_one_running ON sla_deadlines (complaint_no, stage,
    (CASE WHEN stage IN ('cooperation_acceptance', 'cooperation_contribution')
        THEN coalesce(department, '') ELSE '' END))
    WHERE stopped_at IS NULL;

-- Privileges: shared/db/grants.py (the table's, unchanged).
"""

DOWNGRADE = r"""
DELETE FROM sla_deadlines WHERE stage IN ('cooperation_acceptance', 'cooperation_contribution');
DROP INDEX IF EXISTS sla_deadlines_one_running;
CREATE UNIQUE INDEX sla_deadlines_one_running ON sla_deadlines (complaint_no, stage) WHERE stopped_at IS NULL;
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit',
    'director_report'));
DROP INDEX IF EXISTS routing_assignments_cooperating;
ALTER TABLE routing_assignments DROP COLUMN IF EXISTS cooperating;
ALTER TABLE routing_assignments DROP COLUMN IF EXISTS cooperations;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
