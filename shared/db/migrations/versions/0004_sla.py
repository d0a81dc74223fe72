"""Tables owned by the sla service.

Revision ID: 0004
Revises: 0003
"""

from shared.db.sql_script import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One row per SLA clock of a complaint (first response, resolution). A clock that is started
-- again (transfer, reopen) gets a new row with the next generation; the old one is stopped.
CREATE TABLE sla_deadlines (
    complaint_no     text NOT NULL,
    stage            text NOT NULL CHECK (stage IN ('first_response', 'resolution')),
    generation       integer NOT NULL CHECK (generation >= 1),
    grade            text NOT NULL,
    department       text,                       -- responsible department; null before assignment
    started_at       timestamptz NOT NULL,
    warn_fraction    double precision NOT NULL CHECK (warn_fraction > 0 AND warn_fraction < 1),
    warn_at          timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    warned_at        timestamptz,                -- when SlaWarningRaised was recorded
    breached_at      timestamptz,                -- when SlaBreached (+ ComplaintEscalated) was recorded
    escalation_level integer,                    -- the level the breach escalated to
    escalated_to     text,
    stopped_at       timestamptz,                -- when the clock stopped (accepted, resolved, ...)
    stop_reason      text,
    stop_detail      text,                       -- e.g. the reason code of a refused SLA command
    started_by       uuid NOT NULL,              -- the event that started it
    started_version  integer NOT NULL,           -- that event's stream version
    stopped_by       uuid,                       -- the event that stopped it, if an event did
    -- what the fire loop waits for next: the warning, then the breach
    next_fire_at     timestamptz GENERATED ALWAYS AS (CASE WHEN warned_at IS NULL THEN warn_at ELSE due_at END) STORED,
    PRIMARY KEY (complaint_no, stage, generation),
    UNIQUE (started_by, stage),                  -- an event starts a stage's clock once: redelivery starts nothing
    CHECK (started_at <= warn_at AND warn_at <= due_at)
);

-- At most one running clock per complaint and stage.
CREATE UNIQUE INDEX sla_deadlines_one_running ON sla_deadlines (complaint_no, stage) WHERE stopped_at IS NULL;
-- The fire loop's work list: running timers with something left to fire.
CREATE INDEX sla_deadlines_to_fire ON sla_deadlines (next_fire_at) WHERE stopped_at IS NULL AND breached_at IS NULL;
-- Listing by due date, overall and per department.
CREATE INDEX sla_deadlines_by_due ON sla_deadlines (due_at, complaint_no, stage, generation);
CREATE INDEX sla_deadlines_by_department ON sla_deadlines (department, due_at);

GRANT SELECT, INSERT, UPDATE ON sla_deadlines TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS sla_deadlines;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
