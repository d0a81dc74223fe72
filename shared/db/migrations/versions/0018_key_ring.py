"""Envelope encryption of complainant keys: each key is stored only wrapped by the KEK of its
bucket; the KEKs live in a key ring file outside the database (shared/privacy/keyring.py).

* ``privacy_key_ring``: the one ``ring_id`` naming this database's key ring file.
* ``privacy_key_buckets``: per bucket (64, by complainant id), the id of the KEK its keys are
  wrapped under now (filled by the first service that opens the ring).
* ``privacy_complainant_keys``: ``bucket`` (generated from the id), ``kek_id`` and
  ``wrapped_key``; ``key`` (the plain key) becomes nullable and stays filled only on rows written
  before this revision, until ``tousu privacy wrap-keys`` wraps them (the migration cannot:
  it has no access to the key ring, by design).

Revision ID: 0018
Revises: 0015
"""

from shared.db.sql_script import execute_script

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE privacy_key_ring (
    ring_id uuid PRIMARY KEY,
    only_row boolean NOT NULL DEFAULT true UNIQUE CHECK (only_row)
);
INSERT INTO privacy_key_ring (ring_id) VALUES (gen_random_uuid());

CREATE TABLE privacy_key_buckets (
    bucket int PRIMARY KEY CHECK (bucket >= 0 AND bucket < 64),
    kek_id uuid NOT NULL
);

ALTER TABLE privacy_complainant_keys
    ALTER COLUMN key DROP NOT NULL,
    ADD COLUMN bucket int NOT NULL GENERATED ALWAYS AS
        ((get_byte(uuid_send(complainant_id), 0) * 256 + get_byte(uuid_send(complainant_id), 1)) % 64) STORED,
    ADD COLUMN kek_id uuid,
    ADD COLUMN wrapped_key bytea CHECK (length(wrapped_key) = 60),
    ADD CONSTRAINT privacy_complainant_keys_one_form
        CHECK ((key IS NULL) = (wrapped_key IS NOT NULL) AND (kek_id IS NULL) = (wrapped_key IS NULL));
CREATE INDEX privacy_complainant_keys_bucket ON privacy_complainant_keys (bucket);

-- Privileges: shared/db/grants.py (applied after every migration run).
"""

DOWNGRADE = r"""
-- Only possible while every key is still plain (nothing was wrapped yet): the plain keys
-- cannot come back from the database alone.
ALTER TABLE privacy_complainant_keys
    DROP CONSTRAINT IF EXISTS privacy_complainant_keys_one_form,
    DROP COLUMN IF EXISTS wrapped_key,
    DROP COLUMN IF EXISTS kek_id,
    DROP COLUMN IF EXISTS bucket,
    ALTER COLUMN key SET NOT NULL;
DROP TABLE IF EXISTS privacy_key_buckets;
DROP TABLE IF EXISTS privacy_key_ring;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
