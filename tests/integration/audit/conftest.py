"""A store with a few streams, a signing key, and a superuser's ways to tamper with history."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit.keys import private_pem, public_pem
from shared.audit.maker import CheckpointMaker
from shared.audit.verify_store import verify_against_checkpoints
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.settings import Settings
from tests.integration.eventstore.conftest import dsn
from tests.support.store_events import new_stream_id, something

STREAMS = 3
EVENTS_PER_STREAM = 3


@dataclass
class Audited:
    settings: Settings
    engine: AsyncEngine
    store: PostgresEventStore
    key: Ed25519PrivateKey
    public_key_file: Path
    checkpoints: Path
    streams: list[str]

    def maker(self) -> CheckpointMaker:
        return CheckpointMaker(self.settings, self.engine, self.key)

    async def checkpoint(self) -> list[Path]:
        """What `tousu audit checkpoint` does, without a broker."""
        await self.store.wait_until_followable()
        maker = self.maker()
        async with maker.turn(wait=30) as mine:
            assert mine
            return await maker.make()

    async def verify(self, checkpoint: Path | None = None, *keys: Path) -> tuple[int, str]:
        out = io.StringIO()
        code = await verify_against_checkpoints(
            self.settings, checkpoint or self.checkpoints, list(keys) or [self.public_key_file], out
        )
        return code, out.getvalue()

    async def append(self, stream: str, count: int = 1) -> list[RecordedEvent]:
        version = await self.store.stream_version(stream)
        result = await self.store.append(
            stream, version or NO_STREAM, [something(version + i + 1) for i in range(count)]
        )
        return result.events

    async def events(self) -> list[RecordedEvent]:
        """Every event in commit order, as the store holds it now."""
        return await self.store.read_all(limit=10_000)

    async def as_superuser(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """Run statements as a superuser would to get past the append-only trigger: in one
        transaction with ``SET LOCAL session_replication_role = replica`` (no triggers fire)."""
        conn = await asyncpg.connect(dsn(self.settings.database_url))
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                for sql, args in statements:
                    await conn.execute(sql, *args)
        finally:
            await conn.close()


@pytest.fixture
async def audited(new_database, tmp_path: Path) -> AsyncIterator[Audited]:  # type: ignore[no-untyped-def]
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(private_pem(key))
    public_key_file = tmp_path / "signing-key.pub.pem"
    public_key_file.write_bytes(public_pem(key.public_key()))
    settings = Settings(
        database_url=await new_database(),
        data_dir=tmp_path,
        audit_signing_key_file=key_file,
        audit_checkpoint_dir=tmp_path / "checkpoints",
    )
    engine = create_engine(settings.database_url)
    store = PostgresEventStore(engine)
    audited = Audited(
        settings, engine, store, key, public_key_file, tmp_path / "checkpoints",
        [new_stream_id() for _ in range(STREAMS)],
    )  # fmt: skip
    for _ in range(EVENTS_PER_STREAM):  # interleaved: each stream's events spread over the order
        for stream in audited.streams:
            await audited.append(stream)
    try:
        yield audited
    finally:
        await engine.dispose()
