"""Tables owned by the feedback service.

Revision ID: 0005
Revises: 0004
"""

from shared.db.sql_script import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The customer-service department's revisit list (回访): one row per complaint, for its latest
-- revisit, as of stream_version (a projection of RevisitScheduled, FeedbackReceived, ComplaintWithdrawn).
CREATE TABLE revisits (
    complaint_no text PRIMARY KEY,
    department text NOT NULL,
    due_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'done')),
    scheduled_at timestamptz NOT NULL,
    completed_at timestamptz,
    outcome text CHECK (outcome IN ('satisfied', 'acknowledged', 'dissatisfied', 'withdrawn')),
    score smallint CHECK (score BETWEEN 1 AND 5),
    rounds integer NOT NULL DEFAULT 1 CHECK (rounds > 0),
    stream_version integer NOT NULL CHECK (stream_version > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (completed_at IS NULL))
);
CREATE INDEX revisits_by_status_due ON revisits (status, due_at, complaint_no);
COMMENT ON TABLE revisits IS 'feedback: revisits due and done, for GET /v1/revisits';
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS revisits;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
