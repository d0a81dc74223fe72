"""analytics_complaints.upgraded_from: the earlier complaint an upgraded complaint (升级投诉) was
started from, so the complaint list shows it as escalated, not only its timeline. Filled from the
event store for complaints upgraded before this column existed.

Revision ID: 0023
Revises: 0022
"""

from shared.db.sql_script import execute_script

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE analytics_complaints ADD COLUMN IF NOT EXISTS upgraded_from text;
UPDATE analytics_complaints a SET upgraded_from = e.payload->>'original'
  FROM events e
 WHERE e.stream_id = a.complaint_no AND e.type = 'ComplaintUpgradedFrom';
"""

DOWNGRADE = r"""
ALTER TABLE analytics_complaints DROP COLUMN IF EXISTS upgraded_from;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
