"""The append-only event store, its hash chain and the consumers' bookkeeping.

Revision ID: 0001
Revises:
"""

from shared.db.sql_script import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the writing transaction's id: (tx_id, global_position) is an order no commit can jump
    tx_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    stream_id text NOT NULL,
    stream_version integer NOT NULL CHECK (stream_version > 0),
    event_id uuid NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL CHECK (schema_version > 0),
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor jsonb NOT NULL,
    correlation_id uuid NOT NULL,
    causation_id uuid,
    trace jsonb NOT NULL DEFAULT '{}'::jsonb,
    payload jsonb NOT NULL,
    content_hash bytea NOT NULL,
    prev_hash bytea,
    hash bytea NOT NULL,
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);
CREATE INDEX events_commit_order ON events (tx_id, global_position);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE INDEX events_correlation ON events (correlation_id);

COMMENT ON TABLE events IS 'tousu append-only event store: the audit trail. UPDATE, DELETE and TRUNCATE are refused.';

CREATE FUNCTION tousu_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event store is append-only: % on events is refused', TG_OP
        USING ERRCODE = 'TS004', HINT = 'history is corrected by appending a new event';
END $$;
CREATE TRIGGER events_refuse_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION tousu_refuse_rewrite();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tousu_refuse_rewrite();

-- wakes followers (the outbox relay) when a transaction that appended commits
CREATE FUNCTION tousu_notify_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tousu_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tousu_notify_appended();

-- One round trip per append: idempotent retry, optimistic concurrency, hash chain, insert.
CREATE FUNCTION tousu_append(
    p_stream text,
    p_expected integer,
    p_event_ids uuid[],
    p_types text[],
    p_schema_versions integer[],
    p_occurred_at timestamptz[],
    p_actors jsonb[],
    p_correlation_ids uuid[],
    p_causation_ids uuid[],
    p_traces jsonb[],
    p_payloads jsonb[],
    p_content_hashes bytea[]
) RETURNS TABLE (
    event_id uuid, stream_version integer, global_position bigint, tx_id bigint,
    recorded_at timestamptz, prev_hash bytea, hash bytea
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_event_ids);
    v_found integer;
    v_conflict uuid;
    v_version integer;
    v_hash bytea;
    v_prev bytea;
    v_last_tx bigint;
BEGIN
    SELECT count(*), (array_agg(e.event_id) FILTER (WHERE e.content_hash <> c.h OR e.stream_id <> p_stream))[1]
      INTO v_found, v_conflict
      FROM unnest(p_event_ids, p_content_hashes) AS c(id, h)
      JOIN events e ON e.event_id = c.id;
    IF v_conflict IS NOT NULL THEN
        RAISE EXCEPTION 'event % is already stored with different content', v_conflict
            USING ERRCODE = 'TS002', DETAIL = v_conflict::text;
    END IF;
    IF v_found = n THEN
        RETURN QUERY SELECT e.event_id, e.stream_version, e.global_position, e.tx_id, e.recorded_at,
                            e.prev_hash, e.hash
                       FROM events e WHERE e.event_id = ANY (p_event_ids) ORDER BY e.stream_version;
        RETURN;
    END IF;
    IF v_found > 0 THEN
        RAISE EXCEPTION '% of the % events in this batch are already stored', v_found, n
            USING ERRCODE = 'TS003';
    END IF;

    SELECT e.stream_version, e.hash, e.tx_id INTO v_version, v_hash, v_last_tx
      FROM events e WHERE e.stream_id = p_stream ORDER BY e.stream_version DESC LIMIT 1;
    v_version := coalesce(v_version, 0);
    IF p_expected IS NOT NULL AND p_expected <> v_version THEN
        RAISE EXCEPTION 'stream % is at version %, expected %', p_stream, v_version, p_expected
            USING ERRCODE = 'TS001', DETAIL = v_version::text;
    END IF;
    -- Followers read in (tx_id, global_position) order. A transaction that took its id before
    -- the stream's last writer did would place this event before its predecessor: refuse, and
    -- let the caller retry in a new transaction, whose id is newer. Versions then always follow
    -- commit order within a stream.
    IF v_last_tx > pg_current_xact_id()::text::bigint THEN
        RAISE EXCEPTION 'stream % was last written by a newer transaction; retry in a new one', p_stream
            USING ERRCODE = 'TS005', DETAIL = v_version::text;
    END IF;

    FOR i IN 1 .. n LOOP
        v_prev := v_hash;
        v_hash := sha256(coalesce(v_prev, ''::bytea) || p_content_hashes[i]);
        RETURN QUERY
        INSERT INTO events AS e (stream_id, stream_version, event_id, type, schema_version, occurred_at,
                                 actor, correlation_id, causation_id, trace, payload,
                                 content_hash, prev_hash, hash)
        VALUES (p_stream, v_version + i, p_event_ids[i], p_types[i], p_schema_versions[i], p_occurred_at[i],
                p_actors[i], p_correlation_ids[i], p_causation_ids[i], p_traces[i], p_payloads[i],
                p_content_hashes[i], v_prev, v_hash)
        RETURNING e.event_id, e.stream_version, e.global_position, e.tx_id, e.recorded_at, e.prev_hash, e.hash;
    END LOOP;
END $$;

-- Each consumer records the message ids it has handled, in the same transaction as its effects.
CREATE TABLE processed_events (
    consumer text NOT NULL,
    event_id text NOT NULL,  -- an event's id, or a channel's submission id
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Where each follower of the store (outbox relay, projection rebuilds) has got to.
CREATE TABLE follower_checkpoints (
    name text PRIMARY KEY,
    tx_id bigint NOT NULL,
    global_position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Privileges: the application role may read and append, never rewrite.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tousu_app') THEN
        CREATE ROLE tousu_app NOLOGIN;
    END IF;
END $$;
REVOKE ALL ON events FROM PUBLIC;
GRANT SELECT, INSERT ON events TO tousu_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON processed_events, follower_checkpoints TO tousu_app;
GRANT EXECUTE ON FUNCTION tousu_append(text, integer, uuid[], text[], integer[], timestamptz[], jsonb[],
                                       uuid[], uuid[], jsonb[], jsonb[], bytea[]) TO tousu_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS follower_checkpoints;
DROP TABLE IF EXISTS processed_events;
DROP FUNCTION IF EXISTS tousu_append;
DROP TABLE IF EXISTS events;
DROP FUNCTION IF EXISTS tousu_notify_appended;
DROP FUNCTION IF EXISTS tousu_refuse_rewrite;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
