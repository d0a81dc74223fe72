"""The key table and the lookup table (migration 0010).

``privacy_complainant_keys`` holds one random 256-bit key per complainant (complainant_id, a
random uuid: the pseudonym events carry). ``privacy_complainant_lookup`` maps blind indexes of
the complainant's identifiers to that id, so a returning complainant keeps one id and one key.
Deleting the key row (erasure) deletes the lookup rows with it (ON DELETE CASCADE).

Limits: the keys live in the same database as the ciphertext they open. That protects against
leaked events, Kafka topics, backups of the store alone and read-model copies, and makes erasure
a single DELETE; it does not protect against somebody who holds the whole database. The
production path is envelope encryption: wrap each key with a KMS key the database never sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import Complainant
from shared.privacy.blind_index import blind_index, identifiers, normalise
from shared.privacy.crypto import new_key

IDENTIFY_CTES = (
    "known AS (SELECT l.complainant_id, k.key FROM privacy_complainant_lookup l "
    "JOIN privacy_complainant_keys k USING (complainant_id) "
    "WHERE l.blind_index = ANY(CAST(:who_indexes AS bytea[])) "
    "ORDER BY k.created_at, l.complainant_id LIMIT 1), "
    "created AS (INSERT INTO privacy_complainant_keys (complainant_id, key, created_at) "
    "SELECT CAST(:who_new_id AS uuid), CAST(:who_new_key AS bytea), CAST(:who_at AS timestamptz) "
    "WHERE NOT EXISTS (SELECT FROM known) RETURNING complainant_id, key), "
    "person AS MATERIALIZED (SELECT complainant_id, key, false AS created FROM known "
    "UNION ALL SELECT complainant_id, key, true FROM created), "
    "linked AS (INSERT INTO privacy_complainant_lookup (blind_index, kind, complainant_id, created_at) "
    "SELECT x.blind_index, x.kind, p.complainant_id, CAST(:who_at AS timestamptz) "
    "FROM unnest(CAST(:who_indexes AS bytea[]), CAST(:who_kinds AS text[])) "
    "WITH ORDINALITY AS x(blind_index, kind, i) CROSS JOIN person p ORDER BY x.i "
    "ON CONFLICT (blind_index) DO NOTHING RETURNING blind_index)"
)
"""The complainant's id and key in one round trip, as common table expressions another statement
can embed (``person``: one row; parameters ``who_*`` from :func:`identify_params`).

``known``: the person an identifier already belongs to (the earliest key, as before). Else
``created`` registers a new id and key. ``linked`` links each identifier not linked yet (to
anyone) to that person: a new phone of a known person joins them. All parts see the statement's
snapshot, so the result is that of the lookup, then the insert, then the links, in that order.
"""
IDENTIFY_COLUMNS = (
    "p.complainant_id AS who_id, p.key AS who_key, p.created AS who_created, "
    "(CAST(:who_indexes AS bytea[]))[1] IN (SELECT blind_index FROM linked) AS who_first_linked"
)
"""Read :data:`IDENTIFY_CTES`' outcome (``FROM person p``), for :func:`identified`."""
_IDENTIFY = text(f"WITH {IDENTIFY_CTES} SELECT {IDENTIFY_COLUMNS} FROM person p")
_OWNER = text("SELECT complainant_id FROM privacy_complainant_lookup WHERE blind_index = :index")
_DROP_KEY = text("DELETE FROM privacy_complainant_keys WHERE complainant_id = :id RETURNING complainant_id")
_KEYS = text("SELECT complainant_id, key FROM privacy_complainant_keys WHERE complainant_id = ANY(:ids)")

Identifiers = list[tuple[str, bytes]]
"""(kind, blind index) of each identifier of a complainant, in IDENTIFIER_KINDS order."""


def identify_params(
    secret: bytes, complainant: Complainant, at: datetime
) -> tuple[Identifiers, dict[str, Any]]:
    """The blind indexes of the complainant's identifiers and :data:`IDENTIFY_CTES`' parameters
    (a new id and key come along, used only when nobody is known)."""
    pairs = [(kind, blind_index(secret, kind, value)) for kind, value in identifiers(complainant)]
    params = {
        "who_indexes": [index for _, index in pairs],
        "who_kinds": [kind for kind, _ in pairs],
        "who_new_id": uuid4(),
        "who_new_key": new_key(),
        "who_at": at,
    }
    return pairs, params


async def identified(conn: AsyncConnection, pairs: Identifiers, row: Any) -> tuple[UUID, bytes]:
    """The complainant's id and key from a row of :data:`IDENTIFY_COLUMNS`.

    When this statement registered a new person but their first identifier was already linked
    (a concurrent submission registered the same person first and committed), theirs is used and
    ours dropped, with the lookup rows linked to it: two more round trips, in that race only.
    """
    complainant_id: UUID = row.who_id
    if row.who_created and pairs and not row.who_first_linked:
        owner = (await conn.execute(_OWNER, {"index": pairs[0][1]})).scalar_one()
        await conn.execute(_DROP_KEY, {"id": complainant_id})
        theirs = await keys_for(conn, [owner])
        return owner, theirs[owner]
    return complainant_id, bytes(row.who_key)


async def complainant_key(
    conn: AsyncConnection, secret: bytes, complainant: Complainant, at: datetime
) -> tuple[UUID, bytes]:
    """The complainant's id and key: the known ones when an identifier matches, else new ones."""
    pairs, params = identify_params(secret, complainant, at)
    row = (await conn.execute(_IDENTIFY, params)).one()
    return await identified(conn, pairs, row)


async def keys_for(conn: AsyncConnection, complainant_ids: Iterable[UUID]) -> dict[UUID, bytes]:
    """The keys that still exist for these complainants (an erased one is simply absent)."""
    ids = list({i for i in complainant_ids})
    if not ids:
        return {}
    rows = (await conn.execute(_KEYS, {"ids": ids})).all()
    return {row[0]: bytes(row[1]) for row in rows}


async def find_complainant(conn: AsyncConnection, secret: bytes, kind: str, value: str) -> UUID | None:
    """The complainant_id registered for this phone, email, customer/employee or ID number."""
    if not normalise(kind, value):
        return None
    index = blind_index(secret, kind, value)
    return (await conn.execute(_OWNER, {"index": index})).scalar_one_or_none()


async def delete_key(conn: AsyncConnection, complainant_id: UUID) -> bool:
    """Delete the key and (by cascade) the lookup rows; False when there was none."""
    return (await conn.execute(_DROP_KEY, {"id": complainant_id})).first() is not None
