"""The pipeline catches up from the store: per-stream consumer positions, durable dead letters,
and what the relay remembers of the broker.

* ``consumer_positions``: for each consumer of stored events and each stream, the version up to
  which every event of that stream has been handled (or, for a type the consumer does not
  subscribe to, passed over). It replaces ``processed_events`` for stored events: a stream
  position is an event's identity (``(stream_id, stream_version)`` is unique, like event_id),
  and unlike a set of ids it also says whether an earlier event is missing, so a consumer
  handles a stream's events in order and fills gaps from the store. ``previous`` is the version
  the last claim started from, so the claiming statement can return it (RETURNING shows the new
  row only). Rows are initialised from ``processed_events``: the highest version each consumer
  recorded for each stream.
* ``dead_letters``: every message a consumer gave up on, durably (the Kafka topic is transport
  and a memory broker forgets it): reason, field errors, origin, first and last attempt, status.
  A stored event is referred to by stream and version (the store holds it); any other message's
  value is kept sealed (AES-256-GCM) under a key of its own in ``dead_letter_keys``, deleted
  when the letter is resolved or discarded, so the value is then unreadable.
* ``follower_checkpoints.broker_offsets``: the next offset the relay expects on each partition it
  published to, so it notices a broker that forgot its topics (offsets going back) and
  republishes from the store.

Revision ID: 0015
Revises: 0014
"""

from shared.db.sql_script import execute_script

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE consumer_positions (
    consumer   text NOT NULL,
    stream_id  text NOT NULL,
    version    integer NOT NULL CHECK (version >= 0),
    previous   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (consumer, stream_id)
) WITH (fillfactor = 70);  -- room for HOT updates: a row is updated at every event of its stream

INSERT INTO consumer_positions (consumer, stream_id, version)
SELECT p.consumer, e.stream_id, max(e.stream_version)
  FROM processed_events p
  JOIN events e ON e.event_id = CASE WHEN p.event_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                   THEN p.event_id::uuid END
 GROUP BY p.consumer, e.stream_id;

ALTER TABLE follower_checkpoints ADD COLUMN broker_offsets jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE TABLE dead_letters (
    id               bigserial PRIMARY KEY,
    consumer         text NOT NULL,
    message_id       text NOT NULL,           -- an event id, a submission's id, or topic:partition:offset
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'retrying', 'resolved', 'discarded')),
    reason           text NOT NULL,
    errors           jsonb NOT NULL DEFAULT '[]'::jsonb,  -- field-level reasons, never the values
    attempts         integer NOT NULL CHECK (attempts >= 1),
    first_failed_at  timestamptz NOT NULL,
    last_failed_at   timestamptz NOT NULL,
    origin_topic     text,
    origin_partition integer,
    origin_offset    bigint,
    origin_key       text,
    event_type       text,                    -- a stored event: its type, stream and version
    stream_id        text,
    stream_version   integer,
    sealed_value     bytea,                   -- any other message: nonce || AES-256-GCM ciphertext
    retries          integer NOT NULL DEFAULT 0,
    retry_requested_at timestamptz,
    retry_requested_by text,
    resolved_at      timestamptz,
    discarded_at     timestamptz,
    discarded_by     text,
    discard_reason   text,
    UNIQUE (consumer, message_id)
);
CREATE INDEX dead_letters_status ON dead_letters (status, consumer);

CREATE TABLE dead_letter_keys (
    letter_id bigint PRIMARY KEY REFERENCES dead_letters (id) ON DELETE CASCADE,
    key       bytea NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON consumer_positions, dead_letters, dead_letter_keys TO tousu_app;
GRANT USAGE, SELECT ON SEQUENCE dead_letters_id_seq TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS dead_letter_keys;
DROP TABLE IF EXISTS dead_letters;
ALTER TABLE follower_checkpoints DROP COLUMN IF EXISTS broker_offsets;
DROP TABLE IF EXISTS consumer_positions;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
