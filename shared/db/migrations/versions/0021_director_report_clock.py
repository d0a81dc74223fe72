"""The director's clock: sla_deadlines may hold the stage director_report (a matter reported as
beyond the handler's authority, waiting for the director's instruction).

Revision ID: 0021
Revises: 0020
"""

from shared.db.sql_script import execute_script

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit',
    'director_report'));
"""

DOWNGRADE = r"""
DELETE FROM sla_deadlines WHERE stage = 'director_report';
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit'));
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
