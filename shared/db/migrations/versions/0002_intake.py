"""Tables owned by the intake service: complaint numbers and idempotency keys.

Revision ID: 0002
Revises: 0001
"""

from shared.db.sql_script import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SEQUENCE intake_complaint_no_seq;

-- A channel's retry with the same Idempotency-Key gets the same complaint number.
CREATE TABLE intake_idempotency (
    principal text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    complaint_no text NOT NULL,
    stream_version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
GRANT SELECT, INSERT, UPDATE ON intake_idempotency TO tousu_app;
GRANT USAGE, SELECT ON SEQUENCE intake_complaint_no_seq TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS intake_idempotency;
DROP SEQUENCE IF EXISTS intake_complaint_no_seq;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
