"""Making signed checkpoints of the store: on demand (`tousu audit checkpoint`) and every
``audit_checkpoint_interval_seconds`` in each service process that holds a signing key.

One maker works at a time (a PostgreSQL advisory lock taken for each round, so the command and
the services take turns); the checkpoint directory, shared by every maker, is where the chain
continues from. Each round covers what no running transaction can still precede (the store's read
horizon, as the outbox relay reads), at most ``audit_checkpoint_max_events`` events per checkpoint,
and writes one file per checkpoint before publishing it on the audit topic. A checkpoint the broker
did not acknowledge is published again on the next round; after a restart the latest one is
published again once (auditors keep one per sequence).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit.checkpoint import (
    ORIGIN,
    AuditCheckpoint,
    CheckpointFileError,
    StorePosition,
    checkpoint_files,
    next_head,
    parse_file,
    sign,
    write_file,
)
from shared.audit.digest import fold_all
from shared.audit.keys import key_id
from shared.audit.store_leaves import leaves_below_horizon
from shared.clock import Clock, SystemClock
from shared.events.canonical import canonical_json
from shared.settings import Settings

log = logging.getLogger(__name__)

AUDIT_LOCK = 7_310_007
TOPIC_KEY = b"tousu-audit"
"""One key for every checkpoint: they stay in order on one partition."""

Publisher = Callable[[AuditCheckpoint], Awaitable[None]]


class CheckpointChainError(Exception):
    """The checkpoint directory cannot be continued (said in words)."""


def message_value(checkpoint: AuditCheckpoint) -> bytes:
    """The topic's message: the signed head as canonical JSON."""
    return canonical_json(checkpoint.model_dump(mode="json"))


def kafka_publisher(producer: object, topic: str) -> Publisher:
    """Publish on ``topic`` through an aiokafka producer, waiting for the acknowledgement."""

    async def publish(checkpoint: AuditCheckpoint) -> None:
        await producer.send_and_wait(topic, value=message_value(checkpoint), key=TOPIC_KEY)  # type: ignore[attr-defined]

    return publish


class CheckpointMaker:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        key: Ed25519PrivateKey,
        *,
        publish: Publisher | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.key = key
        self.key_id = key_id(key.public_key())
        self.directory = settings.resolved_checkpoint_dir()
        self.publish = publish
        self.clock = clock or SystemClock()
        self.unpublished: list[AuditCheckpoint] = []
        self._latest: AuditCheckpoint | None = None
        self._latest_name: str | None = None
        self._started = False

    def latest(self) -> AuditCheckpoint | None:
        """The directory's newest checkpoint (re-read only when another maker added one)."""
        files = checkpoint_files(self.directory) if self.directory.is_dir() else []
        if not files:
            self._latest, self._latest_name = None, None
            return None
        newest = files[-1]
        if newest.name != self._latest_name:
            self._latest = self._read_head(newest)
            self._latest_name = newest.name
        return self._latest

    def _read_head(self, path: Path) -> AuditCheckpoint:
        try:
            document = json.loads(path.read_bytes())
            checkpoint = parse_file(json.dumps({"checkpoint": document["checkpoint"]}).encode(), path)
        except (OSError, ValueError, KeyError, TypeError, CheckpointFileError) as error:
            raise CheckpointChainError(f"cannot continue from {path}: {error}") from None
        head = checkpoint.checkpoint
        if head.key_id == self.key_id and not head.signature_valid(self.key.public_key()):
            raise CheckpointChainError(
                f"{path} claims to be signed with this key ({self.key_id}) but its signature does not "
                "verify: the checkpoint directory was altered; no checkpoint is added after it"
            )
        if int(path.stem) != head.sequence:
            raise CheckpointChainError(f"{path} holds checkpoint {head.sequence}, not {int(path.stem)}")
        if head.key_id != self.key_id:  # a rotated key; auditors check its signature with the old one
            log.warning(
                "continuing the audit checkpoints from one signed with another key",
                extra={"file": str(path), "key_id": head.key_id, "signing_key_id": self.key_id},
            )
        return head

    async def make(self) -> list[Path]:
        """Add checkpoints until the read horizon is covered; the files written (none when no event
        was committed since the latest). The caller holds the advisory lock (see ``turn``)."""
        made: list[Path] = []
        limit = self.settings.audit_checkpoint_max_events
        while True:
            previous = await asyncio.to_thread(self.latest)  # the newest file may be large
            if not self._started:
                self._started = True
                if previous is not None:
                    self.unpublished.append(previous)
            after = previous.position if previous else ORIGIN
            leaves = await leaves_below_horizon(self.engine, after, limit)
            if not leaves:
                break
            start = bytes.fromhex(previous.digest) if previous else bytes(32)
            last = leaves[-1]
            head = next_head(
                previous,
                position=StorePosition(tx_id=last.tx_id, global_position=last.global_position),
                event_count=(previous.event_count if previous else 0) + len(leaves),
                digest=fold_all(start, leaves),
                signed_at=self.clock.now(),
                signer=self.key_id,
            )
            checkpoint = sign(head, self.key)
            path = await asyncio.to_thread(write_file, self.directory, checkpoint, leaves)
            self._latest, self._latest_name = checkpoint, path.name
            self.unpublished = [c for c in self.unpublished if c.sequence != checkpoint.sequence]
            self.unpublished.append(checkpoint)
            made.append(path)
            log.info(
                "signed an audit checkpoint",
                extra={"sequence": checkpoint.sequence, "events": checkpoint.event_count, "file": str(path)},
            )
            if len(leaves) < limit:
                break
        await self.publish_pending()
        return made

    async def publish_pending(self) -> bool:
        """Publish what the broker has not acknowledged yet, oldest first; False when it failed."""
        if self.publish is None:
            self.unpublished.clear()
            return True
        while self.unpublished:
            checkpoint = self.unpublished[0]
            try:
                await self.publish(checkpoint)
            except Exception as error:
                log.warning(
                    "could not publish an audit checkpoint; trying again next round",
                    extra={"sequence": checkpoint.sequence, "error": type(error).__name__},
                )
                return False
            self.unpublished.pop(0)
        return True

    @asynccontextmanager
    async def turn(self, wait: float = 0.0) -> AsyncIterator[bool]:
        """The maker's lock for one round: yields False when another maker holds it after
        ``wait`` seconds."""
        async with self.engine.connect() as conn:
            deadline = time.monotonic() + wait
            lock = text("SELECT pg_try_advisory_lock(:key)")
            while not (got := bool(await conn.scalar(lock, {"key": AUDIT_LOCK}))):
                await conn.rollback()
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.2)
            await conn.commit()
            try:
                yield got
            finally:
                if got:
                    await conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": AUDIT_LOCK})
                    await conn.commit()

    async def run(self) -> None:
        """Every ``audit_checkpoint_interval_seconds``: one round, when no other maker is at work."""
        interval = self.settings.audit_checkpoint_interval_seconds
        while True:
            try:
                async with self.turn() as mine:
                    if mine:
                        await self.make()
            except asyncio.CancelledError:
                raise
            except CheckpointChainError as error:
                log.error("audit checkpoints stopped: %s", error)
            except Exception as error:
                log.warning("audit checkpoint round failed (%s); trying again", type(error).__name__)
            await asyncio.sleep(interval)
