"""Questionnaire links of the revisit (问卷回访): single-use, expiring, stored hashed.

* ``revisit_links``: one row per link issued. ``token_hash`` is the SHA-256 digest of the token
  the link carries, so the table holds nothing a browser could present. ``complaint_no`` is the
  complaint revisited; ``issued_at``, ``expires_at`` (from the feedback service's clock and its
  TOUSU_FEEDBACK_LINK_DAYS), ``used_at`` (set once, in the transaction that records the
  feedback), ``issued_by`` (the staff login that asked for it) and ``sent_via`` (sms, email or
  none: the agent copies the link).
* ``revisits.outcome`` may now also be ``unresolvable``: a complaint closed as unresolvable
  completes its pending revisit.

Revision ID: 0022
Revises: 0021
"""

from shared.db.sql_script import execute_script

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE revisit_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    complaint_no text NOT NULL CHECK (length(complaint_no) BETWEEN 1 AND 64),
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    issued_by text NOT NULL CHECK (length(issued_by) BETWEEN 1 AND 200),
    sent_via text NOT NULL CHECK (sent_via IN ('sms', 'email', 'none')),
    CONSTRAINT revisit_links_expires_after_issue CHECK (expires_at > issued_at)
);
CREATE INDEX revisit_links_complaint ON revisit_links (complaint_no, issued_at DESC);

ALTER TABLE revisits DROP CONSTRAINT IF EXISTS revisits_outcome_check;
ALTER TABLE revisits ADD CONSTRAINT revisits_outcome_check
    CHECK (outcome IN ('satisfied', 'acknowledged', 'dissatisfied', 'withdrawn', 'unresolvable'));

-- Privileges: shared/db/grants.py (applied after every migration run).
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS revisit_links;
ALTER TABLE revisits DROP CONSTRAINT IF EXISTS revisits_outcome_check;
ALTER TABLE revisits ADD CONSTRAINT revisits_outcome_check
    CHECK (outcome IN ('satisfied', 'acknowledged', 'dissatisfied', 'withdrawn'));
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
