"""Who may do what in the database: one group role per tousu process, and its privileges per table.

Every service and every command that connects (the five services with their outbox relays and
consumers, the auditors' `tousu audit`, `tousu import`, `tousu dead-letters`) has a group role
(NOLOGIN) holding exactly the privileges below; the login role it connects as is a member of
it (:mod:`shared.db.logins`). Migrations run as the database owner, which owns every table, so
no group role can change the schema, and none may UPDATE, DELETE or TRUNCATE ``events``.

:data:`GRANTS` is the one statement of those privileges. A table or sequence a migration adds
needs one entry here, even when no role may touch it (an empty mapping): a test fails while a
relation of the schema is missing. :func:`grant_statements` turns the table into SQL; it is
applied by migration 0017 and again after every `tousu migrate` (:func:`shared.db.migrate.upgrade`),
first revoking everything from the group roles, so the table is always the whole truth.

A sequence owned by a table's column (``bigserial``, identity) follows its table: a role that
may INSERT into the table may use the sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

SELECT, INSERT, UPDATE, DELETE, TRUNCATE = "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"
USAGE = "USAGE"


def on_columns(privilege: str, *columns: str) -> str:
    """A privilege on some columns only, e.g. ``UPDATE (last_seen_at)``; a role holding it has no
    table-wide privilege of that kind (``has_table_privilege`` says false, ``has_column_privilege``
    true for those columns)."""
    return f"{privilege} ({', '.join(columns)})"


@dataclass(frozen=True)
class Role:
    key: str
    """The name in settings and environment variables: TOUSU_<KEY>_DATABASE_URL."""
    name: str
    """The group role in PostgreSQL."""
    who: str


ROLES: tuple[Role, ...] = (
    Role("intake", "tousu_intake", "the intake service"),
    Role("routing", "tousu_routing", "the routing service"),
    Role("sla", "tousu_sla", "the SLA service"),
    Role("feedback", "tousu_feedback", "the feedback service"),
    Role("analytics", "tousu_analytics", "the analytics service and `tousu analytics rebuild`"),
    Role("audit", "tousu_audit", "`tousu audit replay` and `tousu audit verify` (read only)"),
    Role("import", "tousu_import", "`tousu import`"),
    Role("dead_letters", "tousu_dead_letters", "`tousu dead-letters`"),
)
ROLE_BY_KEY: dict[str, Role] = {role.key: role for role in ROLES}

SERVICES = ("intake", "routing", "sla", "feedback", "analytics")

# What every service process needs for the pipeline itself: appending and reading the store
# (tousu_append is SECURITY INVOKER, so it runs with the caller's INSERT on events), the relay's
# checkpoint, the consumers' positions and processed ids, and the dead letters they write. The
# FOR UPDATE locks and ON CONFLICT ... DO UPDATE upserts need UPDATE.
_PIPELINE: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {service: (SELECT, INSERT) for service in SERVICES},
    "follower_checkpoints": {service: (SELECT, INSERT, UPDATE) for service in SERVICES},
    "consumer_positions": {service: (SELECT, INSERT, UPDATE) for service in SERVICES},
    "processed_events": {service: (SELECT, INSERT) for service in SERVICES},
    "dead_letters": {service: (SELECT, INSERT, UPDATE) for service in SERVICES},
    "dead_letter_keys": {service: (SELECT, INSERT, UPDATE, DELETE) for service in SERVICES},
}

GRANTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # -- the event store and the pipeline (0001, 0015) ---------------------------------------
    "events": {**_PIPELINE["events"], "audit": (SELECT,), "import": (SELECT, INSERT)},
    "follower_checkpoints": {
        **_PIPELINE["follower_checkpoints"],
        "analytics": (SELECT, INSERT, UPDATE, DELETE),  # a rebuild removes its own checkpoint when done
    },
    "consumer_positions": _PIPELINE["consumer_positions"],
    "processed_events": _PIPELINE["processed_events"],
    "dead_letters": {**_PIPELINE["dead_letters"], "dead_letters": (SELECT, UPDATE)},
    "dead_letter_keys": {**_PIPELINE["dead_letter_keys"], "dead_letters": (SELECT, DELETE)},
    # -- intake (0002, 0009, 0010, 0011); `tousu import` admits through the same path ----------
    "intake_complaint_no_seq": {"intake": (USAGE, SELECT), "import": (USAGE, SELECT)},
    "intake_idempotency": {"intake": (SELECT, INSERT, UPDATE), "import": (SELECT, INSERT, UPDATE)},
    "intake_recurrence": {"intake": (SELECT, INSERT), "import": (SELECT, INSERT)},
    "intake_complainant_history": {"intake": (SELECT, INSERT, DELETE), "import": (SELECT, INSERT, DELETE)},
    "intake_submissions": {"intake": (SELECT, INSERT, UPDATE)},
    "intake_followup_codes": {"intake": (SELECT, INSERT), "import": (SELECT, INSERT)},
    # -- personal data keys (0010, 0018): intake creates and erases (re-wrapping the erased key's
    # bucket under a new KEK); feedback and analytics reveal. A new key is inserted under its
    # bucket's current KEK with FOR KEY SHARE on the bucket row, which needs UPDATE.
    "privacy_complainant_keys": {
        "intake": (SELECT, INSERT, UPDATE, DELETE),
        "import": (SELECT, INSERT),
        "feedback": (SELECT,),
        "analytics": (SELECT,),
    },
    "privacy_key_ring": {
        "intake": (SELECT,),
        "import": (SELECT,),
        "feedback": (SELECT,),
        "analytics": (SELECT,),
    },
    "privacy_key_buckets": {"intake": (SELECT, INSERT, UPDATE), "import": (SELECT, INSERT, UPDATE)},
    "privacy_complainant_lookup": {"intake": (SELECT, INSERT), "import": (SELECT, INSERT)},
    # -- routing, SLA, feedback (0003, 0004, 0005, 0012) -------------------------------------
    "routing_assignments": {"routing": (SELECT, INSERT, UPDATE)},
    "sla_deadlines": {"sla": (SELECT, INSERT, UPDATE)},
    "sla_policy_applied": {"sla": (SELECT, INSERT, UPDATE)},
    "revisits": {"feedback": (SELECT, INSERT, UPDATE)},
    # questionnaire links (0022): issued and used once, never re-pointed or revived
    "revisit_links": {"feedback": (SELECT, INSERT, on_columns(UPDATE, "used_at"))},
    # -- analytics read models (0006, 0007): a rebuild truncates them -------------------------
    "analytics_complaints": {"analytics": (SELECT, INSERT, UPDATE, DELETE, TRUNCATE)},
    "analytics_timeline": {"analytics": (SELECT, INSERT, UPDATE, DELETE, TRUNCATE)},
    "analytics_service_volume": {"analytics": (SELECT, INSERT, UPDATE)},
    # -- the web pages' sessions (0019): every service checks a cookie's session and moves its
    # "last used" forward; analytics, which signs in and out and serves the admin API, also
    # starts, ends and forgets them. No service can change whose session it is or revive one.
    "web_sessions": {
        **{service: (SELECT, on_columns(UPDATE, "last_seen_at")) for service in SERVICES},
        "analytics": (
            SELECT,
            INSERT,
            on_columns(UPDATE, "last_seen_at", "revoked_at", "revoked_reason", "revoked_by"),
            DELETE,
        ),
    },
    # -- Alembic's own: a rebuild checks the store is at this code's migrations ----------------
    "alembic_version": {"analytics": (SELECT,)},
}
"""relation (table or free-standing sequence) → role key → privileges."""

FUNCTIONS: Mapping[str, tuple[str, ...]] = {"tousu_append": (*SERVICES, "import")}
"""Functions of the schema → the role keys that may EXECUTE them (PUBLIC may not)."""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_roles_sql() -> str:
    """PL/pgSQL creating each group role that does not exist; safe when several databases of one
    server are migrated at once (roles belong to the server, not to a database)."""
    blocks = []
    for role in ROLES:
        blocks.append(
            f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role.name}') THEN
        CREATE ROLE {quoted(role.name)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- another migration created it meanwhile
END $$;"""
        )
    return "\n".join(blocks)


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str
    """PostgreSQL's relkind: r (table), p (partitioned table), S (sequence), v, m (views)."""
    owned_sequences: tuple[str, ...] = ()


FIND_RELATIONS = """
SELECT c.relname, c.relkind::text,
       coalesce(array_agg(s.relname ORDER BY s.relname) FILTER (WHERE s.relname IS NOT NULL), '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.refobjid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
GROUP BY c.relname, c.relkind
"""
"""Every table, view and sequence of the schema, each table with the sequences its columns own:
a serial's (deptype 'a') and an identity's ('i'; used without a privilege check, so its grant
is only for reading its value)."""

FIND_FUNCTIONS = """
SELECT p.oid::regprocedure::text, p.proname FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
"""


def grant_statements(relations: list[Relation], functions: list[tuple[str, str]]) -> list[str]:
    """REVOKE all from every group role, then GRANT what :data:`GRANTS` says, for the relations
    and functions that exist (a relation listed for a later migration is skipped until it exists)."""
    roles = ", ".join(quoted(role.name) for role in ROLES)
    statements = [
        # PostgreSQL before 15 lets every role create tables in the public schema
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {roles}",
    ]
    owned = {sequence for relation in relations for sequence in relation.owned_sequences}
    ordered = sorted(relations, key=lambda r: r.name)
    for relation in ordered:  # all revokes first: a table's grants include its sequences'
        keyword = "SEQUENCE " if relation.kind == "S" else ""
        statements.append(f"REVOKE ALL ON {keyword}{quoted(relation.name)} FROM PUBLIC, {roles}")
    for relation in ordered:
        keyword = "SEQUENCE " if relation.kind == "S" else ""
        target = f"{keyword}{quoted(relation.name)}"
        if relation.name in owned:
            continue  # granted with its table below
        for key, privileges in GRANTS.get(relation.name, {}).items():
            role = quoted(ROLE_BY_KEY[key].name)
            statements.append(f"GRANT {', '.join(privileges)} ON {target} TO {role}")
            if INSERT in privileges:
                for sequence in relation.owned_sequences:
                    statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {quoted(sequence)} TO {role}")
    for signature, name in sorted(functions):
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC, {roles}")
        for key in FUNCTIONS.get(name, ()):
            statements.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {quoted(ROLE_BY_KEY[key].name)}")
    return statements


def ungranted(relations: list[Relation]) -> list[str]:
    """Relations of the schema :data:`GRANTS` does not mention (sequences owned by a column
    follow their table and need no entry)."""
    owned = {sequence for relation in relations for sequence in relation.owned_sequences}
    return sorted(r.name for r in relations if r.name not in GRANTS and r.name not in owned)


def relations_of(rows: Sequence[Any]) -> list[Relation]:
    return [Relation(row[0], row[1], tuple(row[2])) for row in rows]


def apply_grants(connection: Connection) -> None:
    """Make the group roles' privileges in this database what :data:`GRANTS` says (in the
    caller's transaction, as the owner of the tables)."""
    relations = relations_of(connection.execute(text(FIND_RELATIONS)).all())
    functions = [(row[0], row[1]) for row in connection.execute(text(FIND_FUNCTIONS)).all()]
    for statement in grant_statements(relations, functions):
        connection.execute(text(statement))
