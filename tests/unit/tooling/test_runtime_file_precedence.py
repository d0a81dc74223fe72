"""A command's database and broker: its flag, else the environment, else the runtime file of a
running `tousu up` (./.tousu or --data-dir), else the defaults; one line says which it used."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import pytest

from tooling.cli import build_parser
from tooling.stack.runtime import resolve, stack_environment, write_runtime

pytestmark = pytest.mark.unit

STACK = {
    "TOUSU_DATABASE_URL": "postgresql://postgres@127.0.0.1:41001/tousu",
    "TOUSU_KAFKA_BOOTSTRAP": "127.0.0.1:41002",
    "TOUSU_KAFKA_IDEMPOTENCE": "false",
    "TOUSU_TOKENS_FILE": "/somewhere/.tousu/tokens.yaml",
    "TOUSU_DATA_DIR": "/somewhere/.tousu",
    "TOUSU_INTAKE_PORT": "41100",
    "TOUSU_TIMEZONE": "Europe/Berlin",
}
PID = 4242


def alive(pid: int, started: int | None) -> bool:
    return pid == PID


def stack_in(folder: Path, environment: dict[str, str] | None = None) -> Path:
    data_dir = folder / ".tousu"
    write_runtime(data_dir, environment or STACK, {"data_dir": str(data_dir)}, pid=PID)
    return data_dir


def test_nothing_given_and_no_stack_means_the_defaults_and_says_where_it_looked(tmp_path: Path) -> None:
    resolution = resolve({}, cwd=tmp_path, running=alive)
    assert resolution.environment == {}
    assert resolution.message == (
        "tousu: database 127.0.0.1:5432/tousu (default), Kafka 127.0.0.1:9092 (default); "
        f"no `tousu up` is running with data in {tmp_path / '.tousu'}"
    )
    assert resolution.notes == ()


def test_a_running_stack_in_dot_tousu_gives_everything_the_environment_does_not(tmp_path: Path) -> None:
    data_dir = stack_in(tmp_path)
    resolution = resolve({"TOUSU_TIMEZONE": "Asia/Shanghai"}, cwd=tmp_path, running=alive)
    expected = {k: v for k, v in STACK.items() if k not in ("TOUSU_TIMEZONE", "TOUSU_DATA_DIR")}
    assert resolution.environment == expected
    assert resolution.message == (
        f"tousu: using the stack of `tousu up` (pid {PID}, {data_dir / 'runtime.json'}): "
        "database 127.0.0.1:41001/tousu, Kafka 127.0.0.1:41002"
    )


def test_the_environment_beats_the_runtime_file_and_the_flag_beats_both(tmp_path: Path) -> None:
    stack_in(tmp_path)
    environ = {"TOUSU_DATABASE_URL": "postgresql://me:secret@db.example:6543/mine"}
    resolution = resolve(environ, cwd=tmp_path, running=alive)
    assert "TOUSU_DATABASE_URL" not in resolution.environment
    assert resolution.environment["TOUSU_KAFKA_BOOTSTRAP"] == "127.0.0.1:41002"
    assert resolution.message.startswith(
        "tousu: database db.example:6543/mine (TOUSU_DATABASE_URL), Kafka 127.0.0.1:41002 (`tousu up` (pid"
    )
    assert "secret" not in resolution.message

    resolution = resolve(
        environ,
        cwd=tmp_path,
        database_url="postgresql://postgres@flag.example/flagged",
        kafka_bootstrap="broker.example:9092",
        running=alive,
    )
    assert resolution.environment["TOUSU_DATABASE_URL"] == "postgresql://postgres@flag.example/flagged"
    assert resolution.environment["TOUSU_KAFKA_BOOTSTRAP"] == "broker.example:9092"
    # tansu's producer setting stays with tansu: another broker gets its own default
    assert "TOUSU_KAFKA_IDEMPOTENCE" not in resolution.environment
    assert resolution.message == (
        "tousu: database flag.example:5432/flagged (--database-url), "
        "Kafka broker.example:9092 (--kafka-bootstrap)"
    )


def test_data_dir_flag_then_environment_choose_where_to_look(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    stack_in(elsewhere)
    assert resolve({}, cwd=tmp_path, running=alive).runtime is None

    by_env = resolve({"TOUSU_DATA_DIR": str(elsewhere / ".tousu")}, cwd=tmp_path, running=alive)
    assert by_env.runtime is not None and by_env.environment["TOUSU_INTAKE_PORT"] == "41100"

    by_flag = resolve(
        {"TOUSU_DATA_DIR": str(tmp_path / "nothing")},
        cwd=tmp_path,
        data_dir="elsewhere/.tousu",
        running=alive,
    )
    assert by_flag.runtime is not None
    assert by_flag.environment["TOUSU_DATA_DIR"] == str(elsewhere / ".tousu")


def test_the_command_runs_with_the_stack_and_the_environment_is_restored(tmp_path: Path) -> None:
    # this test's own process stands in for a running `tousu up`
    write_runtime(tmp_path / ".tousu", STACK, {}, pid=os.getpid())
    args = build_parser().parse_args(["audit", "verify", "--data-dir", str(tmp_path / ".tousu")])
    environ = {"tousu_kafka_bootstrap": "lower.example:9092", "PATH": "/bin"}
    err = io.StringIO()
    with stack_environment(args, environ, err, cwd=tmp_path) as resolution:
        assert resolution is not None
        assert environ["TOUSU_DATABASE_URL"] == STACK["TOUSU_DATABASE_URL"]
        assert environ["tousu_kafka_bootstrap"] == "lower.example:9092"  # the environment's, any case
        assert "TOUSU_KAFKA_BOOTSTRAP" not in environ
    assert environ == {"tousu_kafka_bootstrap": "lower.example:9092", "PATH": "/bin"}  # as it was
    assert err.getvalue().splitlines() == [
        "tousu: database 127.0.0.1:41001/tousu (`tousu up` (pid "
        f"{os.getpid()}, {tmp_path / '.tousu' / 'runtime.json'})), Kafka lower.example:9092 "
        "(TOUSU_KAFKA_BOOTSTRAP)"
    ]


def test_commands_that_need_no_stack_say_nothing(tmp_path: Path) -> None:
    parser = build_parser()
    for argv in (["asyncapi"], ["serve", "intake"], ["up"], ["bench", "--quick"]):
        args = parser.parse_args(argv)
        err = io.StringIO()
        with stack_environment(args, {}, err, cwd=tmp_path) as resolution:
            assert resolution is None
        assert err.getvalue() == ""
    for argv in (
        ["demo"],
        ["migrate"],
        ["topics"],
        ["audit", "replay", "TS-1"],
        ["audit", "verify"],
        ["analytics", "rebuild"],
        ["dead-letters", "list"],
        ["dead-letters", "retry", "1"],
    ):
        args = parser.parse_args([*argv, "--database-url", "postgresql://x@h/d"])
        assert isinstance(args, argparse.Namespace) and args.uses_stack, argv
        assert args.stack_database_url == "postgresql://x@h/d"


class InvalidCatalogNameError(Exception):
    """Stands for asyncpg's (matched by name)."""


def test_a_database_that_is_not_there_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    args = build_parser().parse_args(["audit", "verify"])
    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped, stack_environment(args, {}, err, cwd=tmp_path):
        try:
            raise InvalidCatalogNameError('database "tousu" does not exist')
        except InvalidCatalogNameError as exc:
            raise RuntimeError("wrapped by a library") from exc
    assert stopped.value.code == 1
    assert err.getvalue().splitlines()[-1] == (
        "tousu: the database or the broker named above is not there: "
        'InvalidCatalogNameError: database "tousu" does not exist'
    )
    with pytest.raises(ZeroDivisionError), stack_environment(args, {}, io.StringIO(), cwd=tmp_path):
        _ = 1 / 0  # anything else keeps its traceback
