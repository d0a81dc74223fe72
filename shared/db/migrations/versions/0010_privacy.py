"""Personal data: one key per complainant, blind-index lookup, anonymous follow-up codes;
the analytics read model keeps the sealed personal data instead of a masked name.

Revision ID: 0010
Revises: 0009
"""

from shared.db.sql_script import execute_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One random AES-256 key per complainant; deleting the row is the erasure (PIPL / GDPR).
CREATE TABLE privacy_complainant_keys (
    complainant_id uuid PRIMARY KEY,
    key bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL
);

-- HMAC-SHA256(server secret, normalised phone / email / customer, employee or ID number) → id.
CREATE TABLE privacy_complainant_lookup (
    blind_index bytea PRIMARY KEY,
    kind text NOT NULL,
    complainant_id uuid NOT NULL REFERENCES privacy_complainant_keys (complainant_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);
CREATE INDEX privacy_complainant_lookup_id ON privacy_complainant_lookup (complainant_id);

-- Finding a complainant's complaints for erasure, without scanning every payload.
CREATE INDEX events_complainant ON events ((payload->>'complainant_id'))
    WHERE type = 'ComplaintReceived' AND payload ? 'complainant_id';

-- Anonymous submitters' follow-up codes: only a salted scrypt hash (the code is shown once).
CREATE TABLE intake_followup_codes (
    complaint_no text PRIMARY KEY,
    salt bytea NOT NULL,
    code_hash bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- The read model keeps the pseudonym and the ciphertext; it is opened at read time through the
-- key table, so an erasure shows at once, and no masked name outlives the key.
ALTER TABLE analytics_complaints DROP COLUMN complainant_display;
ALTER TABLE analytics_complaints ADD COLUMN complainant_id uuid;
ALTER TABLE analytics_complaints ADD COLUMN personal_data jsonb;

GRANT SELECT, INSERT, DELETE ON privacy_complainant_keys, privacy_complainant_lookup TO tousu_app;
GRANT SELECT, INSERT ON intake_followup_codes TO tousu_app;
"""

DOWNGRADE = r"""
ALTER TABLE analytics_complaints DROP COLUMN IF EXISTS personal_data;
ALTER TABLE analytics_complaints DROP COLUMN IF EXISTS complainant_id;
ALTER TABLE analytics_complaints ADD COLUMN IF NOT EXISTS complainant_display text;
DROP TABLE IF EXISTS intake_followup_codes;
DROP INDEX IF EXISTS events_complainant;
DROP TABLE IF EXISTS privacy_complainant_lookup;
DROP TABLE IF EXISTS privacy_complainant_keys;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
