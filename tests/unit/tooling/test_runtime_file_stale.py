"""A runtime file whose `tousu up` is gone (its pid dead, or reused by another process) or that is
not one tousu wrote is ignored with a note; only the `tousu up` that wrote it removes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tooling.stack.runtime import (
    process_running,
    process_started,
    read_runtime,
    remove_runtime,
    resolve,
    runtime_path,
    write_runtime,
)

pytestmark = pytest.mark.unit

STACK = {"TOUSU_DATABASE_URL": "postgresql://postgres@127.0.0.1:41001/tousu"}


NO_SUCH_PID = 2**22 + 1
"""Above Linux's highest possible pid_max: no process has it."""


def test_the_file_is_owner_only_and_names_the_writer(tmp_path: Path) -> None:
    path = write_runtime(tmp_path, STACK, {"services": {"intake": "http://127.0.0.1:8100"}})
    assert path == runtime_path(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    runtime = read_runtime(path)
    assert runtime is not None
    assert runtime.pid == os.getpid() and runtime.environment == STACK
    assert runtime.details["services"] == {"intake": "http://127.0.0.1:8100"}
    assert process_running(runtime.pid, runtime.pid_started)


def test_a_dead_pid_is_ignored_with_a_note(tmp_path: Path) -> None:
    pid = NO_SUCH_PID
    write_runtime(tmp_path / ".tousu", STACK, {}, pid=pid)
    assert not process_running(pid, None)
    resolution = resolve({}, cwd=tmp_path)
    assert resolution.runtime is None and resolution.environment == {}
    assert resolution.notes == (
        f"tousu: ignoring {tmp_path / '.tousu' / 'runtime.json'}: the `tousu up` that wrote it "
        f"(pid {pid}) is no longer running (it was stopped without cleaning up)",
    )
    assert "(default)" in resolution.message


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_a_pid_now_used_by_another_process_is_not_the_stack(tmp_path: Path) -> None:
    started = process_started(os.getpid())
    assert started is not None
    assert process_running(os.getpid(), started)
    assert not process_running(os.getpid(), started + 1)  # the same pid, started at another time
    path = write_runtime(tmp_path / ".tousu", STACK, {})
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "pid_started": started - 1}))
    assert resolve({}, cwd=tmp_path).runtime is None


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"format": 99, "pid": 1, "environment": {}}), json.dumps({"format": 1})],
)
def test_a_file_tousu_did_not_write_is_ignored_with_a_note(tmp_path: Path, content: str) -> None:
    (tmp_path / ".tousu").mkdir()
    (tmp_path / ".tousu" / "runtime.json").write_text(content)
    resolution = resolve({}, cwd=tmp_path)
    assert resolution.runtime is None and resolution.environment == {}
    assert len(resolution.notes) == 1
    assert resolution.notes[0].startswith(f"tousu: ignoring {tmp_path / '.tousu' / 'runtime.json'}: ")


def test_only_the_writer_removes_it(tmp_path: Path) -> None:
    write_runtime(tmp_path, STACK, {}, pid=os.getpid())
    assert remove_runtime(tmp_path, pid=os.getpid() + 1) is False  # a second `tousu up` that failed
    assert runtime_path(tmp_path).exists()
    assert remove_runtime(tmp_path) is True
    assert not runtime_path(tmp_path).exists()
    assert remove_runtime(tmp_path) is False
