"""Intake: possible duplicates (who complained about what, by keyed hash) and Kafka submissions
returned for correction (the due table the lapse poller follows).

Revision ID: 0011
Revises: 0009
"""

from shared.db.sql_script import execute_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The same complainant about the same subject: complainant_ref is the pseudonymous complainant_id
-- (never the contact itself); subject_key the normalised subject line. Erasure deletes the rows.
CREATE TABLE intake_complainant_history (
    complainant_ref text NOT NULL,
    complaint_no text NOT NULL,
    subject_key text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (complainant_ref, complaint_no)
);
CREATE INDEX intake_complainant_history_window ON intake_complainant_history (complainant_ref, received_at);
GRANT SELECT, INSERT, DELETE ON intake_complainant_history TO tousu_app;

-- Every submission taken from the Kafka intake topic, by the channel's own id: the complaint
-- number it got, and whether it is received, awaiting correction (until due_at) or lapsed.
CREATE TABLE intake_submissions (
    channel_id text NOT NULL,
    submission_id text NOT NULL,
    complaint_no text NOT NULL UNIQUE,
    state text NOT NULL CHECK (state IN ('received', 'awaiting_correction', 'lapsed')),
    due_at timestamptz,
    PRIMARY KEY (channel_id, submission_id)
);
CREATE INDEX intake_submissions_due ON intake_submissions (due_at) WHERE state = 'awaiting_correction';
GRANT SELECT, INSERT, UPDATE ON intake_submissions TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS intake_submissions;
DROP TABLE IF EXISTS intake_complainant_history;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
