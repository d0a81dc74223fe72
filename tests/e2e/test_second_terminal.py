"""After `make run` (`tousu up`, its own ports, data in ./.tousu), the README's next commands work
as written from a second terminal in the same folder, with no environment: they find the stack in
.tousu/runtime.json. The DSN `tousu up` prints works pasted into TOUSU_DATABASE_URL; a second
`tousu up` on the same data refuses; stopping removes the runtime file."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from shared.settings import SERVICE_NAMES
from tests.e2e.running_stack import REPO, RunningUp, tousu_up, wait_all_ready

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"受理 received\s+(\S+)")


def tousu_command() -> list[str]:
    """`.venv/bin/tousu` as the README runs it (the console script beside this interpreter)."""
    script = Path(sys.executable).parent / "tousu"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tooling.cli"]


async def second_terminal(
    folder: Path, *args: str, env: dict[str, str] | None = None, within: float = 240
) -> subprocess.CompletedProcess[str]:
    """A command typed in another terminal in ``folder``: no TOUSU_* variables unless given."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
    return await asyncio.to_thread(
        subprocess.run,
        [*tousu_command(), *args],
        cwd=folder,
        env={**clean, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=within,
    )


async def logins_connected(pg_port: int) -> dict[str, set[str]]:
    """application name → the users its connections to the stack's database log in as; the
    relay's leadership connection, which sets no name, is counted under ``""``."""
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/tousu")
    try:
        rows = await conn.fetch(
            "SELECT application_name, usename FROM pg_stat_activity WHERE datname = 'tousu' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["application_name"], set()).add(row["usename"])
    relays = found.pop("", set())
    assert relays <= {f"tousu_{name}_login" for name in SERVICE_NAMES}, relays
    return found


def printed(up: RunningUp, label: str) -> str:
    line = next(line for line in up.lines if line.strip().startswith(f"{label} "))
    return line.split()[1]


@pytest.mark.timeout(900)
async def test_the_readme_commands_find_the_running_stack(tmp_path: Path) -> None:
    folder = tmp_path  # where `make run` was typed: the data is in ./.tousu
    with tousu_up(tmp_path, data_dir=folder / ".tousu") as up:
        await wait_all_ready(up)
        up.wait_for_line("tousu is up", within=60)
        # every service connects as its own login, none as the owner
        assert await logins_connected(up.pg_port) == {
            f"tousu-{name}": {f"tousu_{name}_login"} for name in SERVICE_NAMES
        }
        runtime_file = up.data_dir / "runtime.json"
        assert f"runtime    {runtime_file}" in up.output
        assert runtime_file.stat().st_mode & 0o777 == 0o600
        document = json.loads(runtime_file.read_text())
        assert document["pid"] == up.proc.pid
        assert document["services"]["intake"] == f"http://127.0.0.1:{up.ports['intake']}"
        assert document["environment"]["TOUSU_AUDIT_DATABASE_URL"].startswith(
            "postgresql+asyncpg://tousu_audit_login@"
        )
        using = (
            f"tousu: using the stack of `tousu up` (pid {up.proc.pid}, {runtime_file}): "
            f"database 127.0.0.1:{up.pg_port}/tousu, Kafka 127.0.0.1:{up.kafka_port}"
        )

        demo = await second_terminal(folder, "demo")
        assert demo.returncode == 0, demo.stdout + demo.stderr + up.log_tails()
        assert demo.stderr.splitlines()[0] == using
        assert "12 of 12 complaints closed with the complainant satisfied" in demo.stdout
        number = NUMBER.findall(demo.stdout)[0]
        assert f"audit replay {number}" in demo.stdout  # the README's next command, with a real number

        replay = await second_terminal(folder, "audit", "replay", number)
        assert replay.returncode == 0, replay.stderr
        assert replay.stderr.splitlines() == [using]
        assert f"complaint {number}:" in replay.stdout and "ComplaintClosed" in replay.stdout

        checkpoint = await second_terminal(folder, "audit", "checkpoint")  # tousu up made the key
        assert checkpoint.returncode == 0, checkpoint.stdout + checkpoint.stderr
        assert "signed " in checkpoint.stdout and "published on tousu.audit.checkpoints" in checkpoint.stdout
        against = await second_terminal(
            folder,
            *("audit", "verify", "--checkpoint", ".tousu/audit/checkpoints"),
            *("--public-key", ".tousu/audit/signing-key.pub.pem"),
        )
        assert against.returncode == 0, against.stdout + against.stderr
        assert "ok: the store matches checkpoint" in against.stdout

        for command in (["audit", "verify"], ["analytics", "rebuild"], ["dead-letters", "list"]):
            done = await second_terminal(folder, *command)
            assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
            assert done.stderr.splitlines()[0] == using, command
        rebuild = await second_terminal(folder, "analytics", "rebuild")
        assert f"rebuilding the analytics read models of 127.0.0.1:{up.pg_port}/tousu" in rebuild.stderr

        # the DSN it printed, pasted into TOUSU_DATABASE_URL (from any folder)
        dsn = printed(up, "postgres")
        assert dsn == f"postgresql://postgres@127.0.0.1:{up.pg_port}/tousu"
        pasted = await second_terminal(tmp_path.parent, "audit", "verify", env={"TOUSU_DATABASE_URL": dsn})
        assert pasted.returncode == 0, pasted.stderr
        assert pasted.stderr.startswith(f"tousu: database 127.0.0.1:{up.pg_port}/tousu (TOUSU_DATABASE_URL)")

        # one `tousu up` per data directory; the one that refuses leaves the runtime file alone
        clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
        second = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "tooling.cli", "up", "--data-dir", str(up.data_dir)],
            cwd=REPO,
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1, second.stdout + second.stderr
        assert f"`tousu up` is already running with data in {up.data_dir} (pid {up.proc.pid}" in second.stdout
        assert json.loads(runtime_file.read_text())["pid"] == up.proc.pid
    assert not runtime_file.exists(), up.output
