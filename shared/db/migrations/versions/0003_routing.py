"""Tables owned by the routing service.

Revision ID: 0003
Revises: 0002
"""

from shared.db.sql_script import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The departments' work lists: one row per complaint, as of stream_version (a projection of the
-- complaint events; rebuilt from the event store when it misses one).
CREATE TABLE routing_assignments (
    complaint_no text PRIMARY KEY,
    department text,
    status text NOT NULL,
    category text NOT NULL,
    grade text NOT NULL,
    channel text NOT NULL,
    complainant_kind text NOT NULL,
    subject text NOT NULL,
    agent text,
    received_at timestamptz NOT NULL,
    assigned_at timestamptz,
    escalation_level integer NOT NULL DEFAULT 0,
    reopen_count integer NOT NULL DEFAULT 0,
    reopened boolean NOT NULL DEFAULT false,
    stream_version integer NOT NULL CHECK (stream_version > 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routing_assignments_department ON routing_assignments (department, assigned_at DESC, complaint_no DESC);
COMMENT ON TABLE routing_assignments IS 'routing: each complaint''s responsible department and status, for GET /v1/departments/{dept}/assignments';
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS routing_assignments;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
