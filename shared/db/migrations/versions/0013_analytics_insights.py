"""Analytics insights: indexes for the month's incidents, repeats, calendar warnings and the
weekly inspection population.

The scorecards, repeat complaints and SLA calendar warnings read the timeline by event type and
instant; the inspection draw reads the complaints closed in a week. No new table: the inspection
draw and its scores live in the event store (streams ``inspection-<ISO week>``), and product
references are kept in the first event's timeline summary — run `tousu analytics rebuild` once
after this upgrade so complaints projected earlier are counted by product too.

Revision ID: 0013
Revises: 0009
"""

from shared.db.sql_script import execute_script

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE INDEX analytics_timeline_type_time ON analytics_timeline (type, occurred_at);
CREATE INDEX analytics_complaints_closed ON analytics_complaints (closed_at) WHERE status = 'closed';
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS analytics_complaints_closed;
DROP INDEX IF EXISTS analytics_timeline_type_time;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
