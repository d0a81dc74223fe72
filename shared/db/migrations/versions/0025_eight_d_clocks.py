"""8D clocks: sla_deadlines may hold the stages of an 8D case (containment, permanent
countermeasure, closure; docs/8d.md).

Revision ID: 0025
Revises: 0024
"""

from shared.db.sql_script import execute_script

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit',
    'director_report', 'cooperation_acceptance', 'cooperation_contribution',
    'eight_d_containment', 'eight_d_countermeasure', 'eight_d_closure'));
"""

DOWNGRADE = r"""
DELETE FROM sla_deadlines WHERE stage LIKE 'eight_d_%';
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit',
    'director_report',
    'cooperation_acceptance', 'cooperation_contribution'));
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
