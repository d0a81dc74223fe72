"""`tousu privacy wrap-keys | settle-keys | backup-keys`, the operators' key-ring commands, run as
the real command line on a store of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DatabaseFactory

pytestmark = pytest.mark.integration


def tousu(database_url: str, ring: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", "privacy", *args],
        env={**os.environ, "TOUSU_DATABASE_URL": database_url, "TOUSU_PRIVACY_KEY_RING_DIR": str(ring)},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_key_ring_commands(new_database: DatabaseFactory, tmp_path: Path) -> None:
    url, ring = await new_database(), tmp_path / "ring"

    wrapped = tousu(url, ring, "wrap-keys")
    assert wrapped.returncode == 0, wrapped.stderr
    assert "wrapped 0 key(s) stored in plain" in wrapped.stdout
    [ring_file] = ring.glob("*.keyring")
    assert f"key ring: {ring_file}" in wrapped.stdout

    settled = tousu(url, ring, "settle-keys")
    assert settled.returncode == 0, settled.stderr
    assert "dropped the old KEK of 0 bucket(s)" in settled.stdout

    backups = tmp_path / "backups"
    backed_up = tousu(url, ring, "backup-keys", "--to", str(backups))
    assert backed_up.returncode == 0, backed_up.stderr
    [copy] = backups.iterdir()
    assert copy.name.startswith(ring_file.name) and copy.read_bytes() == ring_file.read_bytes()
