"""Erasure (PIPL art. 47 / GDPR art. 17): delete the complainant's key, record it on every stream.

In one transaction: the key row goes (and with it, by cascade, the blind-index lookup rows), the
key's bucket gets a new KEK that re-wraps the bucket's other keys (shared/privacy/envelope.py),
and each of the complainant's complaint streams gets a ``ComplainantDataErased`` event carrying
only the pseudonymous id. After the commit the caller runs ``envelope.settle`` for the bucket: the old
KEK leaves the key ring file, and with it the last means to unwrap the deleted key's bytes that
heap pages and WAL segments still hold. The sealed ciphertext stays in the append-only store, so
every hash chain still verifies; without the key nobody can open it, and every reader shows "erased" (已删除).

The event is appended directly (load → append with the expected version), not through
``decide``: erasure is a legal obligation that applies to closed and withdrawn complaints too,
so no complaint rule may refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock
from shared.complaints.events import ComplainantDataErased
from shared.events import Actor, NewEvent
from shared.eventstore import PostgresEventStore
from shared.privacy.envelope import rotate_bucket
from shared.privacy.keyring import KeyRing
from shared.privacy.keys import delete_key

_STREAMS = text(
    "SELECT stream_id FROM events WHERE type = 'ComplaintReceived' AND payload ? 'complainant_id' "
    "AND payload->>'complainant_id' = :id ORDER BY global_position"
)


@dataclass(frozen=True)
class Erasure:
    complainant_id: UUID
    complaint_nos: list[str]
    bucket: int
    """The key bucket rotated: :func:`shared.privacy.envelope.settle` it after the commit."""


class NothingToErase(LookupError):
    """No key exists for this complainant_id (unknown, or erased already)."""


async def complaints_of(conn: AsyncConnection, complainant_id: UUID) -> list[str]:
    rows = await conn.execute(_STREAMS, {"id": str(complainant_id)})
    return [row[0] for row in rows]


async def erase_complainant(
    conn: AsyncConnection,
    store: PostgresEventStore,
    complainant_id: UUID,
    *,
    actor: Actor,
    clock: Clock,
    reason: str,
    ring: KeyRing,
) -> Erasure:
    """Raises NothingToErase when there is no key; the caller's transaction commits the rest."""
    if not await delete_key(conn, complainant_id):
        raise NothingToErase(str(complainant_id))
    bucket = await rotate_bucket(conn, ring, complainant_id)
    bound = store.bound(conn)
    numbers = await complaints_of(conn, complainant_id)
    for complaint_no in numbers:
        version = await bound.stream_version(complaint_no)
        records = await bound.read_stream(complaint_no, 1)
        correlation = records[0].correlation_id if records else None
        event = NewEvent.of(
            ComplainantDataErased(complainant_id=complainant_id, reason=reason),
            actor=actor,
            clock=clock,
            correlation_id=correlation,
        )
        await bound.append(complaint_no, version, [event])
    return Erasure(complainant_id, numbers, bucket)
