"""Intake's recurrence rule: earlier complaints about the same product and problem.

Revision ID: 0009
Revises: 0008
"""

from shared.db.sql_script import execute_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE intake_recurrence (
    product_ref text NOT NULL,
    category text NOT NULL,
    received_at timestamptz NOT NULL,
    complaint_no text NOT NULL,
    PRIMARY KEY (product_ref, category, received_at, complaint_no)
);
GRANT SELECT, INSERT ON intake_recurrence TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS intake_recurrence;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
