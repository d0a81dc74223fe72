"""Each process's own database login (TOUSU_<NAME>_DATABASE_URL) belongs to the database it came
with: a command takes a running stack's logins only when it also takes the stack's database, and
a --database-url flag (another database) clears them, so the command runs as that URL's user."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import Settings
from tooling.stack.runtime import ROLE_URLS, resolve, write_runtime

pytestmark = pytest.mark.unit

PID = 4242
AUDIT = "TOUSU_AUDIT_DATABASE_URL"
STACK = {
    "TOUSU_DATABASE_URL": "postgresql://postgres@127.0.0.1:41001/tousu",
    AUDIT: "postgresql://tousu_audit_login@127.0.0.1:41001/tousu",
    "TOUSU_KAFKA_BOOTSTRAP": "127.0.0.1:41002",
}


def alive(pid: int, started: int | None) -> bool:
    return pid == PID


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_runtime(tmp_path / ".tousu", STACK, {}, pid=PID)
    return tmp_path


def test_the_stacks_logins_come_with_its_database(folder: Path) -> None:
    resolution = resolve({}, cwd=folder, running=alive)
    assert resolution.environment[AUDIT] == STACK[AUDIT]


def test_a_database_from_the_environment_does_not_take_the_stacks_logins(folder: Path) -> None:
    environ = {"TOUSU_DATABASE_URL": "postgresql://me@db.example/mine"}
    resolution = resolve(environ, cwd=folder, running=alive)
    assert AUDIT not in resolution.environment


def test_a_database_flag_clears_every_login(folder: Path) -> None:
    environ = {AUDIT: "postgresql://tousu_audit_login@db.example/mine"}
    flag = "postgresql://postgres@flag.example/x"
    resolution = resolve(environ, cwd=folder, database_url=flag, running=alive)
    assert {name: resolution.environment[name] for name in ROLE_URLS} == dict.fromkeys(ROLE_URLS, "")
    settings = Settings(database_url=flag, audit_database_url="")
    assert settings.role_database_url("audit") is None


def test_without_a_login_a_process_runs_as_the_owner_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    owner = Settings(database_url="postgresql://postgres:secret@db.example/tousu")
    assert owner.as_role("intake").database_url == owner.database_url
    assert "TOUSU_INTAKE_DATABASE_URL is not set" in caplog.text and "secret" not in caplog.text

    login = "postgresql://tousu_intake_login:pw@db.example/tousu"
    own = Settings(database_url=owner.database_url, intake_database_url=login)
    assert own.as_role("intake").database_url == "postgresql+asyncpg://tousu_intake_login:pw@db.example/tousu"
    assert own.database_url == owner.database_url
