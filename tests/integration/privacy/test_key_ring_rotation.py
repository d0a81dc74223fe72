"""Rotating a bucket's KEK on erasure never leaves a live key unopenable: not when the erasure
rolls back, not when it committed but its process died before dropping the old KEK, not when
intake creates a key in that bucket at the same moment with a key ring read before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import FakeClock
from shared.complaints.events import Complainant
from shared.db.engine import create_engine
from shared.events import Actor
from shared.eventstore import PostgresEventStore
from shared.privacy import keys as keys_module
from shared.privacy.envelope import key_ring, settle, wrap_plain_keys
from shared.privacy.erasure import Erasure, erase_complainant
from shared.privacy.keyring import KeyRing, KeyRingMissing, bucket_of
from shared.privacy.keys import complainant_key, keys_for
from tests.conftest import DatabaseFactory

pytestmark = pytest.mark.integration

SECRET = b"a-test-blind-index-secret-of-32-bytes"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Rollback(Exception):
    pass


@pytest.fixture
async def engine(new_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await new_database(), pool_size=3)
    yield engine
    await engine.dispose()


async def register(engine: AsyncEngine, ring: KeyRing, n: int) -> tuple[UUID, bytes]:
    person = Complainant(name=f"测试{n}", phone=f"1380013{n:04d}")
    async with engine.begin() as conn:
        return await complainant_key(conn, SECRET, person, AT, ring)


async def erase_in(
    conn: AsyncConnection, engine: AsyncEngine, ring: KeyRing, complainant_id: UUID
) -> Erasure:
    """An erasure in the caller's transaction (to roll it back, or to hold its locks)."""
    return await erase_complainant(
        conn,
        PostgresEventStore(engine),
        complainant_id,
        actor=Actor.service("intake"),
        clock=FakeClock(AT),
        reason="REQ-1",
        ring=ring,
    )


async def erase(engine: AsyncEngine, ring: KeyRing, complainant_id: UUID) -> int:
    async with engine.begin() as conn:
        done = await erase_in(conn, engine, ring, complainant_id)
    return done.bucket


async def all_open(engine: AsyncEngine, ring_path: Path, expected: dict[UUID, bytes]) -> None:
    """Every key opens with the ring as a freshly started process reads it."""
    async with engine.connect() as conn:
        assert await keys_for(conn, expected, KeyRing.load(ring_path)) == expected


def id_in_bucket(bucket: int) -> UUID:
    while True:
        candidate = uuid4()
        if bucket_of(candidate) == bucket:
            return candidate


async def test_a_rolled_back_erasure_and_a_crash_before_settling_keep_every_key(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async with engine.begin() as conn:
        ring = await key_ring(conn, tmp_path)
    people = dict([await register(engine, ring, n) for n in range(6)])
    victim = next(iter(people))
    bucket = bucket_of(victim)
    first_kek = ring.current(bucket).id

    with pytest.raises(Rollback):
        async with engine.begin() as conn:
            await erase_in(conn, engine, ring, victim)
            raise Rollback
    assert len(KeyRing.load(ring.path).of_bucket(bucket)) == 2  # the unused new KEK is in the file
    await all_open(engine, ring.path, people)
    assert await settle(engine, ring) == 1
    assert [k.id for k in KeyRing.load(ring.path).of_bucket(bucket)] == [first_kek]
    await all_open(engine, ring.path, people)

    # committed, then the process dies before dropping the old KEK: both are in the file
    await erase(engine, ring, victim)
    del people[victim]
    assert len(KeyRing.load(ring.path).of_bucket(bucket)) == 2
    await all_open(engine, ring.path, people)
    assert await settle(engine, ring) == 1  # what the next erasure or `tousu privacy settle-keys` does
    assert [k.id for k in KeyRing.load(ring.path).of_bucket(bucket)] != [first_kek]
    await all_open(engine, ring.path, people)


async def test_intake_with_a_key_ring_read_before_an_erasure_wraps_under_the_new_kek(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.begin() as conn:
        ring = await key_ring(conn, tmp_path)
    victim, _ = await register(engine, ring, 1)
    bucket = bucket_of(victim)
    stale = KeyRing.load(ring.path)  # another intake process, which read the ring earlier
    newcomer = id_in_bucket(bucket)
    fresh_ids: Callable[[], UUID] = lambda: newcomer  # noqa: E731
    monkeypatch.setattr(keys_module, "uuid4", fresh_ids)

    # the erasure holds the bucket's lock; the newcomer's insert waits for it, then finds its
    # KEK outdated and wraps under the new one
    async with engine.begin() as conn:
        await erase_in(conn, engine, ring, victim)
        waiting = asyncio.create_task(register(engine, stale, 2))
        await asyncio.sleep(0.5)
        assert not waiting.done()
    complainant_id, key = await asyncio.wait_for(waiting, 10)
    assert complainant_id == newcomer
    await settle(engine, ring)
    await all_open(engine, ring.path, {newcomer: key})
    async with engine.connect() as conn:
        kek_id = (
            await conn.execute(
                text("SELECT kek_id FROM privacy_complainant_keys WHERE complainant_id = :id"),
                {"id": newcomer},
            )
        ).scalar_one()
    assert kek_id == KeyRing.load(ring.path).current(bucket).id


async def test_keys_stored_in_plain_open_and_get_wrapped(engine: AsyncEngine, tmp_path: Path) -> None:
    legacy_id, legacy_key = uuid4(), bytes(range(32))
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO privacy_complainant_keys (complainant_id, key, created_at) "
                "VALUES (:id, :key, now())"
            ),
            {"id": legacy_id, "key": legacy_key},
        )
        ring = await key_ring(conn, tmp_path)
    await all_open(engine, ring.path, {legacy_id: legacy_key})
    assert await wrap_plain_keys(engine, ring) == 1
    async with engine.connect() as conn:
        plain = (
            await conn.execute(
                text("SELECT key FROM privacy_complainant_keys WHERE complainant_id = :id"), {"id": legacy_id}
            )
        ).scalar_one()
    assert plain is None
    await all_open(engine, ring.path, {legacy_id: legacy_key})


async def test_a_missing_key_ring_is_refused_not_replaced(
    new_database: DatabaseFactory, tmp_path: Path
) -> None:
    engine = create_engine(await new_database(), pool_size=1)
    try:
        async with engine.begin() as conn:
            ring = await key_ring(conn, tmp_path / "first")
        await register(engine, ring, 1)
        async with engine.begin() as conn:
            with pytest.raises(KeyRingMissing, match="restore it from its backup"):
                await key_ring(conn, tmp_path / "elsewhere")
    finally:
        await engine.dispose()
