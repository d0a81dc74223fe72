"""Tables owned by the analytics service: the complaint read models.

Read models are not the audit trail: they are rebuilt from zero by replaying the event store
(`tousu analytics rebuild`), so they may be truncated. Every column is derived from the
complaint's events; no column is filled from the database clock, so a rebuild reproduces the
tables exactly. No contact data and no free text is kept (subject excepted).

Revision ID: 0006
Revises: 0005
"""

from shared.db.sql_script import execute_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One row per complaint: the fields of the folded ComplaintState, plus the subject and a
-- masked display name of the complainant (张*, J***; null when anonymous).
CREATE TABLE analytics_complaints (
    complaint_no text PRIMARY KEY,
    version integer NOT NULL CHECK (version > 0),
    status text NOT NULL,
    department text,
    agent text,
    channel text NOT NULL,
    category text NOT NULL,
    grade text NOT NULL,
    complainant_kind text NOT NULL,
    anonymous boolean NOT NULL,
    complainant_display text,
    subject text NOT NULL,
    acknowledged boolean NOT NULL,
    escalation_level integer NOT NULL,
    escalated_to text,
    reopen_count integer NOT NULL,
    flagged_reopened boolean NOT NULL,
    received_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    resolved_at timestamptz,
    closed_at timestamptz,
    close_reason text,
    revisit_due_at timestamptz,
    feedback_satisfied boolean,
    feedback_score smallint,
    feedback_acknowledged boolean,
    sla_warnings integer NOT NULL,
    sla_breaches integer NOT NULL,
    sla_warning_log jsonb NOT NULL,
    sla_breach_log jsonb NOT NULL
);
CREATE INDEX analytics_complaints_listing ON analytics_complaints (received_at DESC, complaint_no DESC);
CREATE INDEX analytics_complaints_status ON analytics_complaints (status);
CREATE INDEX analytics_complaints_department ON analytics_complaints (department);
CREATE INDEX analytics_complaints_channel ON analytics_complaints (channel);
CREATE INDEX analytics_complaints_category ON analytics_complaints (category);

-- One row per event of a complaint: who did what when, with a summary free of personal data.
CREATE TABLE analytics_timeline (
    complaint_no text NOT NULL REFERENCES analytics_complaints (complaint_no),
    stream_version integer NOT NULL CHECK (stream_version > 0),
    event_id uuid NOT NULL,
    type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor_role text NOT NULL,
    actor_id text,  -- null for complainants: their id may identify an anonymous complainant
    actor_department text,
    summary jsonb NOT NULL,
    PRIMARY KEY (complaint_no, stream_version),
    CONSTRAINT analytics_timeline_event_id_key UNIQUE (event_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics_complaints, analytics_timeline TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS analytics_timeline;
DROP TABLE IF EXISTS analytics_complaints;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
