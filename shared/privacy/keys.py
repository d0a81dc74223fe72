"""The key table and the lookup table (migrations 0010 and 0018).

``privacy_complainant_keys`` holds one random 256-bit key per complainant (complainant_id, a
random uuid: the pseudonym events carry), stored only wrapped by the KEK of its bucket
(``kek_id``, ``wrapped_key``); the KEKs are in the key ring file, never in the database
(shared/privacy/keyring.py, shared/privacy/envelope.py). ``privacy_complainant_lookup`` maps
blind indexes of the complainant's identifiers to that id, so a returning complainant keeps one
id and one key. Deleting the key row (erasure) deletes the lookup rows with it (ON DELETE
CASCADE); the erasure also rotates the bucket's KEK, so the deleted row's bytes left in heap
pages and WAL cannot be unwrapped any more.

Rows written before migration 0018 hold the key in plain (``key``) until
``tousu privacy wrap-keys``; they are read all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import Complainant
from shared.privacy.blind_index import blind_index, identifiers, normalise
from shared.privacy.crypto import new_key
from shared.privacy.envelope import current_kek, key_ring, open_key
from shared.privacy.keyring import Kek, KeyRing, UnknownKek, bucket_of

IDENTIFY_CTES = (
    "known AS (SELECT l.complainant_id, k.key, k.kek_id, k.wrapped_key FROM privacy_complainant_lookup l "
    "JOIN privacy_complainant_keys k USING (complainant_id) "
    "WHERE l.blind_index = ANY(CAST(:who_indexes AS bytea[])) "
    "ORDER BY k.created_at, l.complainant_id LIMIT 1), "
    "who_kek AS (SELECT kek_id FROM privacy_key_buckets WHERE bucket = CAST(:who_bucket AS int) "
    "AND kek_id = CAST(:who_kek_id AS uuid) FOR KEY SHARE), "
    "created AS (INSERT INTO privacy_complainant_keys (complainant_id, created_at, kek_id, wrapped_key) "
    "SELECT CAST(:who_new_id AS uuid), CAST(:who_at AS timestamptz), CAST(:who_kek_id AS uuid), "
    "CAST(:who_new_wrapped AS bytea) WHERE NOT EXISTS (SELECT FROM known) AND EXISTS (SELECT FROM who_kek) "
    "RETURNING complainant_id, key, kek_id, wrapped_key), "
    "person AS MATERIALIZED (SELECT complainant_id, key, kek_id, wrapped_key, false AS created FROM known "
    "UNION ALL SELECT complainant_id, key, kek_id, wrapped_key, true FROM created), "
    "linked AS (INSERT INTO privacy_complainant_lookup (blind_index, kind, complainant_id, created_at) "
    "SELECT x.blind_index, x.kind, p.complainant_id, CAST(:who_at AS timestamptz) "
    "FROM unnest(CAST(:who_indexes AS bytea[]), CAST(:who_kinds AS text[])) "
    "WITH ORDINALITY AS x(blind_index, kind, i) CROSS JOIN person p ORDER BY x.i "
    "ON CONFLICT (blind_index) DO NOTHING RETURNING blind_index)"
)
"""The complainant's id and key in one round trip, as common table expressions another statement
can embed (``person``: one row; parameters ``who_*`` from :func:`identify_params`).

``known``: the person an identifier already belongs to (the earliest key, as before). Else
``created`` registers a new id and key, wrapped by the
current KEK of its bucket: ``who_kek`` locks the bucket's row (``FOR KEY SHARE``: an erasure
rotating that bucket holds ``FOR UPDATE``, so this waits for it) and is empty when the KEK
intake used is no longer current (then nobody is created: :func:`identified` wraps the key under
the current KEK and asks again). ``linked`` links each identifier not linked yet (to
anyone) to that person: a new phone of a known person joins them. All parts see the statement's
snapshot, so the result is that of the lookup, then the insert, then the links, in that order.
"""
IDENTIFY_COLUMNS = (
    "p.complainant_id AS who_id, p.key AS who_key, p.kek_id AS who_kek_id, "
    "p.wrapped_key AS who_wrapped, p.created AS who_created, "
    "(CAST(:who_indexes AS bytea[]))[1] IN (SELECT blind_index FROM linked) AS who_first_linked"
)
"""Read :data:`IDENTIFY_CTES`' outcome (``FROM person p``), for :func:`identified`."""
_IDENTIFY = text(f"WITH {IDENTIFY_CTES} SELECT {IDENTIFY_COLUMNS} FROM person p")
ROTATION_RETRIES = 5
_OWNER = text("SELECT complainant_id FROM privacy_complainant_lookup WHERE blind_index = :index")
_DROP_KEY = text("DELETE FROM privacy_complainant_keys WHERE complainant_id = :id RETURNING complainant_id")
_KEYS = text(
    "SELECT complainant_id, key, kek_id, wrapped_key FROM privacy_complainant_keys "
    "WHERE complainant_id = ANY(:ids)"
)

Identifiers = list[tuple[str, bytes]]
"""(kind, blind index) of each identifier of a complainant, in IDENTIFIER_KINDS order."""


@dataclass(frozen=True)
class Identity:
    """Who a submission names: their identifiers' blind indexes, and the id and key a new
    person gets (used only when nobody is known)."""

    pairs: Identifiers
    at: datetime
    new_id: UUID
    new_key: bytes

    @property
    def bucket(self) -> int:
        return bucket_of(self.new_id)

    def params(self, kek: Kek) -> dict[str, Any]:
        """:data:`IDENTIFY_CTES`' parameters, the new key wrapped under ``kek``."""
        return {
            "who_indexes": [index for _, index in self.pairs],
            "who_kinds": [kind for kind, _ in self.pairs],
            "who_new_id": self.new_id,
            "who_bucket": self.bucket,
            "who_kek_id": kek.id,
            "who_new_wrapped": kek.wrap(self.new_id, self.new_key),
            "who_at": self.at,
        }


def identify_params(
    secret: bytes, complainant: Complainant, at: datetime, ring: KeyRing
) -> tuple[Identity, dict[str, Any]]:
    """Who the complainant may be and :data:`IDENTIFY_CTES`' parameters."""
    pairs = [(kind, blind_index(secret, kind, value)) for kind, value in identifiers(complainant)]
    identity = Identity(pairs, at, uuid4(), new_key())
    return identity, identity.params(ring.current(identity.bucket))


async def identified(
    conn: AsyncConnection, ring: KeyRing, identity: Identity, row: Any
) -> tuple[UUID, bytes]:
    """The complainant's id and key from a row of :data:`IDENTIFY_COLUMNS`.

    When nobody came back, the new key's bucket was rotated by an erasure since this process
    last read the key ring: the key is wrapped under the bucket's current KEK and the
    complainant identified again (a round trip or two more, in that race only).

    When this statement registered a new person but their first identifier was already linked
    (a concurrent submission registered the same person first and committed), theirs is used and
    ours dropped, with the lookup rows linked to it: two more round trips, in that race only.
    """
    for _ in range(ROTATION_RETRIES):
        if row is not None and row.who_id is not None:
            break
        kek_id = await current_kek(conn, ring, identity.bucket)
        kek = ring.kek(kek_id)
        if kek is None:
            raise UnknownKek(f"the key ring {ring.path} has no KEK {kek_id} (the bucket's current one)")
        row = (await conn.execute(_IDENTIFY, identity.params(kek))).first()
    else:
        raise RuntimeError("the complainant's key bucket kept being rotated; try again")
    complainant_id: UUID = row.who_id
    if row.who_created and identity.pairs and not row.who_first_linked:
        owner = (await conn.execute(_OWNER, {"index": identity.pairs[0][1]})).scalar_one()
        await conn.execute(_DROP_KEY, {"id": complainant_id})
        theirs = await keys_for(conn, [owner], ring)
        return owner, theirs[owner]
    try:
        return complainant_id, open_key(ring, complainant_id, row.who_key, row.who_kek_id, row.who_wrapped)
    except UnknownKek:
        # re-wrapped by an erasure since this statement's snapshot: the committed row opens
        theirs = await keys_for(conn, [complainant_id], ring)
        if complainant_id in theirs:
            return complainant_id, theirs[complainant_id]
        # erased meanwhile: to this submission they are somebody new
        row = (await conn.execute(_IDENTIFY, identity.params(ring.current(identity.bucket)))).first()
        return await identified(conn, ring, identity, row)


async def complainant_key(
    conn: AsyncConnection, secret: bytes, complainant: Complainant, at: datetime, ring: KeyRing | None = None
) -> tuple[UUID, bytes]:
    """The complainant's id and key: the known ones when an identifier matches, else new ones."""
    ring = ring or await key_ring(conn)
    identity, params = identify_params(secret, complainant, at, ring)
    row = (await conn.execute(_IDENTIFY, params)).first()
    return await identified(conn, ring, identity, row)


async def keys_for(
    conn: AsyncConnection, complainant_ids: Iterable[UUID], ring: KeyRing | None = None
) -> dict[UUID, bytes]:
    """The keys that still exist for these complainants (an erased one is simply absent).

    A key whose KEK this process does not know even after re-reading the key ring was re-wrapped
    after this statement's snapshot: it is read once more.
    """
    ids = list({i for i in complainant_ids})
    if not ids:
        return {}
    found: dict[UUID, bytes] = {}
    for last in (False, True):
        rows = (await conn.execute(_KEYS, {"ids": ids})).all()
        ids = []
        for row in rows:
            if ring is None and row.wrapped_key is not None:
                ring = await key_ring(conn, create=False)
            try:
                found[row.complainant_id] = open_key(
                    ring, row.complainant_id, row.key, row.kek_id, row.wrapped_key
                )
            except UnknownKek:
                if last:
                    raise
                ids.append(row.complainant_id)
        if not ids:
            break
    return found


async def find_complainant(conn: AsyncConnection, secret: bytes, kind: str, value: str) -> UUID | None:
    """The complainant_id registered for this phone, email, customer/employee or ID number."""
    if not normalise(kind, value):
        return None
    index = blind_index(secret, kind, value)
    return (await conn.execute(_OWNER, {"index": index})).scalar_one_or_none()


async def delete_key(conn: AsyncConnection, complainant_id: UUID) -> bool:
    """Delete the key and (by cascade) the lookup rows; False when there was none."""
    return (await conn.execute(_DROP_KEY, {"id": complainant_id})).first() is not None
