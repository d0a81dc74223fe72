"""Envelope encryption of complainant keys: the database's side of the key ring.

Tables (migration 0018): ``privacy_key_ring`` (the one ``ring_id`` naming this database's key
ring file), ``privacy_key_buckets`` (per bucket, the id of the KEK its rows are wrapped under)
and the key table's ``bucket`` / ``kek_id`` / ``wrapped_key`` columns.

Rotating a bucket (an erasure), in this order:

1. lock the bucket's row (``FOR UPDATE``): one rotation per bucket at a time, and intake's
   insert of a new key in that bucket (which takes ``FOR KEY SHARE`` on it and inserts only
   when its KEK is the bucket's current one) waits;
2. add a new KEK to the key ring file (durable before anything is wrapped under it);
3. in the caller's transaction: re-wrap the bucket's other keys under it, point the bucket's
   row at it (and the caller deletes the erased key and appends its events); commit;
4. :func:`settle`: under the bucket's lock again, drop from the file every KEK of the bucket
   but the current one.

A crash or rollback before the commit leaves the rows under the old KEK, which the file still
holds; after it, the rows are under the new one, which the file holds since step 2. Either way
every live key opens. What is left over (the unused new KEK, or the old one a crash kept from
being dropped) goes at the next :func:`settle` — after every erasure, and by
``tousu privacy settle-keys``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.privacy.config import PrivacySettings
from shared.privacy.keyring import BUCKETS, KeyRing, KeyRingMissing, UnknownKek, bucket_of, ring_path

_RING_ID = text("SELECT ring_id FROM privacy_key_ring")
_BUCKET_COUNT = text("SELECT count(*) FROM privacy_key_buckets")
_BOOTSTRAP_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('tousu.privacy.key_ring'))")
_ADD_BUCKETS = text(
    "INSERT INTO privacy_key_buckets (bucket, kek_id) "
    "SELECT * FROM unnest(CAST(:buckets AS int[]), CAST(:keks AS uuid[])) ON CONFLICT DO NOTHING"
)
_LOCK_BUCKET = text("SELECT kek_id FROM privacy_key_buckets WHERE bucket = :bucket FOR UPDATE")
_CURRENT = text("SELECT kek_id FROM privacy_key_buckets WHERE bucket = :bucket")
_SET_CURRENT = text("UPDATE privacy_key_buckets SET kek_id = :kek WHERE bucket = :bucket")
_ROWS_OF_BUCKET = text(
    "SELECT complainant_id, key, kek_id, wrapped_key FROM privacy_complainant_keys "
    "WHERE bucket = :bucket AND complainant_id <> ALL(CAST(:skip AS uuid[]))"
)
_STRAGGLERS = text(
    "SELECT complainant_id, key, kek_id, wrapped_key FROM privacy_complainant_keys "
    "WHERE bucket = :bucket AND kek_id IS DISTINCT FROM :kek"
)
_REWRAP = text(
    "UPDATE privacy_complainant_keys k SET key = NULL, kek_id = :kek, wrapped_key = u.wrapped "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:wrapped AS bytea[])) AS u(id, wrapped) "
    "WHERE k.complainant_id = u.id"
)
_LEGACY_BUCKETS = text("SELECT DISTINCT bucket FROM privacy_complainant_keys WHERE key IS NOT NULL")

_ring_ids: dict[str, UUID] = {}
_rings: dict[Path, KeyRing] = {}


def default_directory() -> Path:
    return PrivacySettings().key_ring_dir


def _database_of(conn: AsyncConnection) -> str:
    url = conn.engine.url
    return f"{url.host}:{url.port}/{url.database}"


async def key_ring(conn: AsyncConnection, directory: Path | None = None, *, create: bool = True) -> KeyRing:
    """This database's key ring, read once per process and re-read when the file changes.

    The first writer creates the file (and the buckets' rows) when the database has none yet;
    readers (``create=False``) only read it, so they need no write access to the database.
    Raises :class:`KeyRingMissing` when the database has buckets but the file is gone: new KEKs
    would leave every existing key unopenable, so that is for an operator (restore the backup).
    """
    database = _database_of(conn)
    ring_id = _ring_ids.get(database)
    if ring_id is None:
        ring_id = (await conn.execute(_RING_ID)).scalar_one()
        _ring_ids[database] = ring_id
    path = ring_path((directory or default_directory()).resolve(), ring_id)
    ring = _rings.get(path)
    if ring is not None:
        ring.refresh()
        return ring
    if path.exists():
        ring = KeyRing.load(path)
    elif not create:
        raise KeyRingMissing(f"no key ring at {path}: is TOUSU_PRIVACY_KEY_RING_DIR the one intake uses?")
    else:
        await conn.execute(_BOOTSTRAP_LOCK)
        if (await conn.execute(_BUCKET_COUNT)).scalar_one() and not path.exists():
            raise KeyRingMissing(
                f"the database's complainant keys are wrapped by the key ring {path}, which is "
                "missing: restore it from its backup (docs/privacy.md); without it no personal data opens"
            )
        ring = KeyRing.create(path, ring_id)
    if create and (await conn.execute(_BUCKET_COUNT)).scalar_one() < BUCKETS:
        # a new ring, or one whose creator's transaction rolled back: the file is the truth
        await conn.execute(_BOOTSTRAP_LOCK)
        buckets = list(range(BUCKETS))
        await conn.execute(_ADD_BUCKETS, {"buckets": buckets, "keks": [ring.current(b).id for b in buckets]})
        return ring  # cached only once the rows are known to be committed (a later call)
    _rings[path] = ring
    return ring


def open_key(
    ring: KeyRing | None, complainant_id: UUID, plain: Any, kek_id: UUID | None, wrapped: Any
) -> bytes:
    """A key row's key: wrapped (the normal case) or, before ``tousu privacy wrap-keys``, plain."""
    if wrapped is not None and kek_id is not None:
        if ring is None:
            raise UnknownKek(f"the key of {complainant_id} is wrapped and no key ring was given")
        return ring.unwrap(complainant_id, kek_id, bytes(wrapped))
    if plain is None:
        raise UnknownKek(f"the key row of {complainant_id} holds no key")
    return bytes(plain)


async def current_kek(conn: AsyncConnection, ring: KeyRing, bucket: int) -> UUID:
    """The KEK the bucket's rows are wrapped under now (the file re-read if it is new)."""
    kek_id: UUID = (await conn.execute(_CURRENT, {"bucket": bucket})).scalar_one()
    if ring.kek(kek_id) is None:
        ring.refresh()
    return kek_id


async def _rewrap(conn: AsyncConnection, ring: KeyRing, rows: Iterable[Any], kek_id: UUID) -> int:
    kek = ring.kek(kek_id)
    if kek is None:
        raise UnknownKek(f"the key ring {ring.path} has no KEK {kek_id}")
    ids, wrapped = [], []
    for row in rows:
        key = open_key(ring, row.complainant_id, row.key, row.kek_id, row.wrapped_key)
        ids.append(row.complainant_id)
        wrapped.append(kek.wrap(row.complainant_id, key))
    if ids:
        await conn.execute(_REWRAP, {"kek": kek_id, "ids": ids, "wrapped": wrapped})
    return len(ids)


async def rotate_bucket(conn: AsyncConnection, ring: KeyRing, complainant_id: UUID) -> int:
    """Steps 1–3 for the erasure of ``complainant_id`` (whose own row is left as it is, for the
    caller to delete); returns the bucket, for :func:`settle` after the commit."""
    bucket = bucket_of(complainant_id)
    await conn.execute(_LOCK_BUCKET, {"bucket": bucket})
    ring.refresh()
    kek = ring.add_kek(bucket)
    rows = (await conn.execute(_ROWS_OF_BUCKET, {"bucket": bucket, "skip": [complainant_id]})).all()
    await _rewrap(conn, ring, rows, kek.id)
    await conn.execute(_SET_CURRENT, {"bucket": bucket, "kek": kek.id})
    return bucket


async def settle(engine: AsyncEngine, ring: KeyRing, buckets: Iterable[int] | None = None) -> int:
    """Drop every KEK of these buckets (default: each bucket with more than one) but the
    current one; returns how many buckets lost one.

    Under the bucket's lock, so no rotation is half done; rows that are not under the current
    KEK (none, unless somebody edited the table) are re-wrapped and committed first.
    """
    ring.refresh()
    wanted = sorted(set(buckets) if buckets is not None else {k.bucket for k in ring.keks()})
    dropped = 0
    for bucket in wanted:
        if buckets is None and len(ring.of_bucket(bucket)) < 2:
            continue
        while True:
            async with engine.begin() as conn:
                current = (await conn.execute(_LOCK_BUCKET, {"bucket": bucket})).scalar_one()
                ring.refresh()
                rows = (await conn.execute(_STRAGGLERS, {"bucket": bucket, "kek": current})).all()
                if rows:
                    await _rewrap(conn, ring, rows, current)
                    continue  # commit first: the old KEK may go only when nothing needs it
                if ring.keep_only(bucket, current):
                    dropped += 1
                break
    return dropped


async def wrap_plain_keys(engine: AsyncEngine, ring: KeyRing) -> int:
    """Wrap the keys stored in plain (written before migration 0018); returns how many.

    The plain bytes stay in dead row versions and WAL until VACUUM FULL and checkpoints
    (``tousu privacy wrap-keys`` runs them; docs/privacy.md says what else is needed).
    """
    async with engine.connect() as conn:
        buckets = list((await conn.execute(_LEGACY_BUCKETS)).scalars())
    done = 0
    for bucket in buckets:
        async with engine.begin() as conn:
            current = (await conn.execute(_LOCK_BUCKET, {"bucket": bucket})).scalar_one()
            ring.refresh()
            rows = (await conn.execute(_STRAGGLERS, {"bucket": bucket, "kek": current})).all()
            done += await _rewrap(conn, ring, rows, current)
    return done
