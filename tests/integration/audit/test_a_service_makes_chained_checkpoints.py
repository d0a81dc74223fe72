"""A service holding a signing key makes a checkpoint every interval, each chained to the last."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.checkpoint import read_file
from shared.audit.keys import private_pem, public_pem
from shared.audit.verify_store import verify_against_checkpoints
from shared.eventstore import NO_STREAM
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from tests.support.backends import Backend
from tests.support.settings import settings_for
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


async def _wait_for(path: Path, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(path.exists):
        assert time.monotonic() < deadline, f"no {path.name} after {within} s"
        await asyncio.sleep(0.1)


async def test_checkpoints_are_made_periodically_and_chained(
    new_database, kafka_backend: Backend, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    key = Ed25519PrivateKey.generate()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    directory = tmp_path / "checkpoints"
    settings = settings_for(await new_database(), kafka_backend).model_copy(
        update={
            "audit_signing_key_file": tmp_path / "key.pem",
            "audit_checkpoint_dir": directory,
            "audit_checkpoint_interval_seconds": 0.2,
        }
    )
    await ensure_topics(settings)
    runtime = Runtime("audit-test", settings, run_relay=False, run_catch_up=False)
    await runtime.start()
    try:
        await runtime.store.append(new_stream_id(), NO_STREAM, some(2))
        await _wait_for(directory / "000001.json")
        await runtime.store.append(new_stream_id(), NO_STREAM, some(3))
        await _wait_for(directory / "000002.json")
    finally:
        await runtime.stop()

    first, second = read_file(directory / "000001.json"), read_file(directory / "000002.json")
    assert second.checkpoint.previous_checkpoint == first.checkpoint.checkpoint_hash()
    assert second.checkpoint.previous_digest == first.checkpoint.digest
    assert (first.checkpoint.event_count, second.checkpoint.event_count) == (2, 5)
    assert second.leaves is not None and len(second.leaves) == 3
    out = io.StringIO()
    assert await verify_against_checkpoints(settings, directory, [tmp_path / "key.pub.pem"], out) == 0, (
        out.getvalue()
    )
