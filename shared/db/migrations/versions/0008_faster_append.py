"""A set-based `tousu_append`: the hash chain in one pass, all rows in one INSERT (append speed).

Migration 0001 inserted a batch row by row (one INSERT … RETURNING per event). This version
keeps every guarantee of 0001 — idempotent re-append of the same ids, EventIdConflict (TS002),
PartialBatchConflict (TS003), the expected-version check (TS001), the stale-transaction check
(TS005) and a byte-identical hash chain — but computes the chain into two arrays first and
inserts the whole batch with one ``INSERT … SELECT FROM unnest``. The statement-level NOTIFY
trigger then fires once per batch instead of once per event.

Revision ID: 0008
Revises: 0007
"""

from shared.db.sql_script import execute_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SIGNATURE = """tousu_append(
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
)"""

# Shared by both versions: idempotent retry, id conflicts, optimistic concurrency, commit order.
CHECKS = r"""
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
"""

UPGRADE = rf"""
CREATE OR REPLACE FUNCTION {SIGNATURE} LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_event_ids);
    v_found integer;
    v_conflict uuid;
    v_version integer;
    v_hash bytea;
    v_last_tx bigint;
    v_prevs bytea[] := array_fill(NULL::bytea, ARRAY[cardinality(p_event_ids)]);
    v_hashes bytea[] := array_fill(NULL::bytea, ARRAY[cardinality(p_event_ids)]);
BEGIN
{CHECKS}
    -- The chain in one pass: each link is sha256(previous hash || content hash).
    FOR i IN 1 .. n LOOP
        v_prevs[i] := v_hash;
        v_hash := sha256(coalesce(v_hash, ''::bytea) || p_content_hashes[i]);
        v_hashes[i] := v_hash;
    END LOOP;

    -- One INSERT for the whole batch; identities are drawn in version order.
    RETURN QUERY
    WITH inserted AS (
        INSERT INTO events AS e (stream_id, stream_version, event_id, type, schema_version, occurred_at,
                                 actor, correlation_id, causation_id, trace, payload,
                                 content_hash, prev_hash, hash)
        SELECT p_stream, v_version + b.i::integer, b.id, b.type, b.schema_version, b.occurred_at,
               b.actor, b.correlation_id, b.causation_id, b.trace, b.payload,
               b.content_hash, b.prev_hash, b.hash
          FROM unnest(p_event_ids, p_types, p_schema_versions, p_occurred_at, p_actors, p_correlation_ids,
                      p_causation_ids, p_traces, p_payloads, p_content_hashes, v_prevs, v_hashes)
               WITH ORDINALITY AS b(id, type, schema_version, occurred_at, actor, correlation_id,
                                    causation_id, trace, payload, content_hash, prev_hash, hash, i)
         ORDER BY b.i
        RETURNING e.event_id, e.stream_version, e.global_position, e.tx_id, e.recorded_at, e.prev_hash, e.hash
    )
    SELECT * FROM inserted ORDER BY inserted.stream_version;
END $$;
"""

# Back to 0001's row-by-row loop (same signature, same results, slower).
DOWNGRADE = rf"""
CREATE OR REPLACE FUNCTION {SIGNATURE} LANGUAGE plpgsql AS $$
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
{CHECKS}
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
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
