"""SLA clocks for every stage, pause/resume, extensions and policy re-computation.

Revision ID: 0012
Revises: 0009
"""

from shared.db.sql_script import execute_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN (
    'acknowledgement', 'first_response', 'initial_plan', 'progress_update', 'resolution', 'revisit'));

-- What a deadline is re-computed from when the policy, the grade, a pause or an extension changes
-- it: due = start + time_limit (+ extension), counted as `counting`, pushed by the paused time.
ALTER TABLE sla_deadlines
    ADD COLUMN category        text,                                  -- null on rows from before 0012
    ADD COLUMN counting        text NOT NULL DEFAULT '24x7' CHECK (counting IN ('working', '24x7')),
    ADD COLUMN time_limit      interval,                              -- the policy's limit when planned
    ADD COLUMN extension       interval NOT NULL DEFAULT interval '0', -- approved extensions, summed
    ADD COLUMN paused          interval NOT NULL DEFAULT interval '0', -- counted time spent on hold
    ADD COLUMN paused_at       timestamptz,                           -- on hold since; null when running
    ADD COLUMN applied_version integer;                               -- last stream version that moved it

-- A paused clock fires nothing: next_fire_at is null while it waits on the complainant.
ALTER TABLE sla_deadlines DROP COLUMN next_fire_at;
ALTER TABLE sla_deadlines ADD COLUMN next_fire_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN paused_at IS NOT NULL THEN NULL WHEN warned_at IS NULL THEN warn_at ELSE due_at END) STORED;
CREATE INDEX sla_deadlines_to_fire ON sla_deadlines (next_fire_at)
    WHERE stopped_at IS NULL AND breached_at IS NULL;

-- The fingerprint of the policy and calendar the running deadlines were last computed with: a
-- service that starts with another policy re-computes them.
CREATE TABLE sla_policy_applied (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    fingerprint text NOT NULL,
    applied_at  timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON sla_policy_applied TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS sla_policy_applied;
ALTER TABLE sla_deadlines DROP COLUMN next_fire_at;
ALTER TABLE sla_deadlines ADD COLUMN next_fire_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN warned_at IS NULL THEN warn_at ELSE due_at END) STORED;
CREATE INDEX sla_deadlines_to_fire ON sla_deadlines (next_fire_at)
    WHERE stopped_at IS NULL AND breached_at IS NULL;
ALTER TABLE sla_deadlines
    DROP COLUMN category, DROP COLUMN counting, DROP COLUMN time_limit, DROP COLUMN extension,
    DROP COLUMN paused, DROP COLUMN paused_at, DROP COLUMN applied_version;
DELETE FROM sla_deadlines WHERE stage NOT IN ('first_response', 'resolution');
ALTER TABLE sla_deadlines DROP CONSTRAINT IF EXISTS sla_deadlines_stage_check;
ALTER TABLE sla_deadlines ADD CONSTRAINT sla_deadlines_stage_check CHECK (stage IN ('first_response', 'resolution'));
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
