"""Analytics KPIs: the instant of the department's first response, and service volume.

``first_response_at`` is derived from the events like every other column of
analytics_complaints (the first ComplaintAccepted), so run `tousu analytics rebuild` after this
upgrade to fill it for complaints projected before it. ``analytics_service_volume`` is not
derived from events: operators report it through PUT /v1/service-volume (the denominator of the
complaint rate), so a rebuild leaves it alone.

Revision ID: 0007
Revises: 0006
"""

from shared.db.sql_script import execute_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE analytics_complaints ADD COLUMN first_response_at timestamptz;
CREATE INDEX analytics_complaints_grade ON analytics_complaints (grade);
CREATE INDEX analytics_complaints_open_age ON analytics_complaints (received_at)
    WHERE status NOT IN ('closed', 'withdrawn', 'closed_not_complaint');

-- Service volume (服务量) per local calendar day and channel: contacts, orders or tickets served,
-- the denominator of the complaint rate.
CREATE TABLE analytics_service_volume (
    day date NOT NULL,
    channel text NOT NULL,
    volume bigint NOT NULL CHECK (volume >= 0),
    reported_by text NOT NULL,
    reported_at timestamptz NOT NULL,
    PRIMARY KEY (day, channel)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON analytics_service_volume TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS analytics_service_volume;
DROP INDEX IF EXISTS analytics_complaints_open_age;
DROP INDEX IF EXISTS analytics_complaints_grade;
ALTER TABLE analytics_complaints DROP COLUMN IF EXISTS first_response_at;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
