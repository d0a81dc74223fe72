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
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import Complainant
from shared.privacy.blind_index import blind_index, identifiers, normalise
from shared.privacy.crypto import new_key

_FIND = text(
    "SELECT l.complainant_id, k.key, ARRAY(SELECT blind_index FROM privacy_complainant_lookup "
    "WHERE blind_index = ANY(:indexes)) AS known FROM privacy_complainant_lookup l "
    "JOIN privacy_complainant_keys k USING (complainant_id) "
    "WHERE l.blind_index = ANY(:indexes) ORDER BY k.created_at, l.complainant_id LIMIT 1"
)
_NEW_KEY = text(
    "INSERT INTO privacy_complainant_keys (complainant_id, key, created_at) VALUES (:id, :key, :at)"
)
_LINK = text(
    "INSERT INTO privacy_complainant_lookup (blind_index, kind, complainant_id, created_at) "
    "VALUES (:index, :kind, :id, :at) ON CONFLICT (blind_index) DO NOTHING RETURNING complainant_id"
)
_OWNER = text("SELECT complainant_id FROM privacy_complainant_lookup WHERE blind_index = :index")
_DROP_KEY = text("DELETE FROM privacy_complainant_keys WHERE complainant_id = :id RETURNING complainant_id")
_KEYS = text("SELECT complainant_id, key FROM privacy_complainant_keys WHERE complainant_id = ANY(:ids)")


async def complainant_key(
    conn: AsyncConnection, secret: bytes, complainant: Complainant, at: datetime
) -> tuple[UUID, bytes]:
    """The complainant's id and key: the known ones when an identifier matches, else new ones."""
    pairs = [(kind, blind_index(secret, kind, value)) for kind, value in identifiers(complainant)]
    indexes = [index for _, index in pairs]
    if indexes:
        found = (await conn.execute(_FIND, {"indexes": indexes})).first()
        if found is not None:
            complainant_id, key, known = found
            # a new phone of a known person joins them; identifiers already linked (to anyone)
            # are left alone, without a round trip each
            linked = {bytes(index) for index in known}
            for kind, index in pairs:
                if index not in linked:
                    await conn.execute(_LINK, {"index": index, "kind": kind, "id": complainant_id, "at": at})
            return complainant_id, bytes(key)
    complainant_id, key = uuid4(), new_key()
    await conn.execute(_NEW_KEY, {"id": complainant_id, "key": key, "at": at})
    if not await _link(conn, pairs, complainant_id, at) and pairs:
        # a concurrent submission registered the same person first: use theirs, drop ours
        owner = (await conn.execute(_OWNER, {"index": pairs[0][1]})).scalar_one()
        await conn.execute(_DROP_KEY, {"id": complainant_id})
        theirs = await keys_for(conn, [owner])
        return owner, theirs[owner]
    return complainant_id, key


async def _link(
    conn: AsyncConnection, pairs: list[tuple[str, bytes]], complainant_id: UUID, at: datetime
) -> bool:
    """Insert the lookup rows; False when the first identifier already belongs to someone else."""
    first_ours = True
    for position, (kind, index) in enumerate(pairs):
        row = (
            await conn.execute(_LINK, {"index": index, "kind": kind, "id": complainant_id, "at": at})
        ).first()
        if position == 0 and row is None:
            owner = (await conn.execute(_OWNER, {"index": index})).scalar_one()
            first_ours = owner == complainant_id
    return first_ours


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
