"""`tousu audit verify --checkpoint DIR --public-key FILE` from a shell: 0 when clean, 1 with one
readable line per finding (and no traceback) when not."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def _tousu(audited: Audited, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tooling.cli", *args],
        env={**os.environ, "TOUSU_DATABASE_URL": audited.settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_command_exits_by_what_it_found(audited: Audited) -> None:
    await audited.checkpoint()
    verify = (
        "audit",
        "verify",
        "--checkpoint",
        str(audited.checkpoints),
        "--public-key",
        str(audited.public_key_file),
    )

    clean = await _tousu(audited, *verify)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ok: the store matches checkpoint 1" in clean.stdout

    last = (await audited.store.read_stream(audited.streams[0]))[-1]
    await audited.as_superuser(("DELETE FROM events WHERE event_id = $1", (last.event_id,)))
    broken = await _tousu(audited, *verify)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"DELETED: event {last.event_id}" in broken.stdout
    assert "Traceback" not in broken.stdout + broken.stderr

    no_key = await _tousu(audited, "audit", "verify", "--checkpoint", str(audited.checkpoints))
    assert no_key.returncode == 2 and "--public-key" in no_key.stderr
