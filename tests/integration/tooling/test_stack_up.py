"""`tousu up` composition: what it plans from the environment, and refusing taken ports up front."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from shared.settings import SERVICE_NAMES
from tooling.stack.ports import free_port
from tooling.stack.up import Stack, plan_stack

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}


def test_plan_embeds_postgres_and_tansu_unless_urls_are_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in list(os.environ):
        if key.upper().startswith("TOUSU_"):
            monkeypatch.delenv(key)
    plan = plan_stack(str(tmp_path / "d"), None)
    assert plan.embedded_postgres and plan.embedded_broker
    assert plan.services == SERVICE_NAMES
    assert plan.data_dir == (tmp_path / "d").resolve()
    assert plan.tokens_file == plan.data_dir / "tokens.yaml"
    assert plan.pg_port == 54329 and plan.kafka_port == 9092
    policy = plan.up.restart_policy()
    assert (policy.max_restarts, policy.window, policy.initial_backoff, policy.max_backoff) == (5, 300, 1, 30)

    monkeypatch.setenv("TOUSU_DATABASE_URL", "postgresql+asyncpg://u@db.example/tousu")
    monkeypatch.setenv("TOUSU_KAFKA_BOOTSTRAP", "kafka.example:9092")
    monkeypatch.setenv("TOUSU_UP_MAX_RESTARTS", "2")
    monkeypatch.setenv("TOUSU_UP_RESTART_WINDOW", "7.5")
    monkeypatch.setenv("TOUSU_EMBEDDED_PG_PORT", "6000")
    plan = plan_stack(None, ["sla", "intake"])
    assert not plan.embedded_postgres and not plan.embedded_broker
    assert plan.services == ("intake", "sla")  # always in the canonical order
    assert plan.data_dir == Path(".tousu").resolve()
    assert plan.pg_port == 6000
    assert (plan.up.restart_policy().max_restarts, plan.up.restart_policy().window) == (2, 7.5)

    assert plan_stack(None, []).services == ()  # --only with no names: infrastructure only


def test_taken_service_port_is_reported_by_name_before_anything_starts(tmp_path: Path) -> None:
    env = clean_env()
    ports = {name: free_port() for name in SERVICE_NAMES}
    for name, port in ports.items():
        env[f"TOUSU_{name.upper()}_PORT"] = str(port)
    env["TOUSU_EMBEDDED_PG_PORT"] = str(free_port())
    env["TOUSU_EMBEDDED_KAFKA_PORT"] = str(free_port())
    data_dir = tmp_path / "data"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["routing"]))
        squatter.listen()
        result = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "up", "--data-dir", str(data_dir)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"routing: port {ports['routing']} is already in use" in result.stdout, result.stdout
    assert not (data_dir / "pg").exists()  # PostgreSQL was not even started
    leftovers = [
        p for p in psutil.process_iter(["cmdline"]) if str(data_dir) in " ".join(p.info["cmdline"] or [])
    ]
    assert not leftovers


def test_taken_embedded_postgres_port_is_reported(tmp_path: Path) -> None:
    env = clean_env()
    for name in SERVICE_NAMES:
        env[f"TOUSU_{name.upper()}_PORT"] = str(free_port())
    env["TOUSU_EMBEDDED_KAFKA_PORT"] = str(free_port())
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        pg_port = squatter.getsockname()[1]
        env["TOUSU_EMBEDDED_PG_PORT"] = str(pg_port)
        result = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "up", "--data-dir", str(tmp_path / "data")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"postgres: port {pg_port} is already in use" in result.stdout, result.stdout


def test_up_starts_the_email_channel_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("TOUSU_"):
            monkeypatch.delenv(key)
    plan = plan_stack(None, None)
    assert plan.smtp_port is not None  # 2525 when free, else any free port
    stack = Stack(plan, report=lambda line: None)
    assert stack.child_env["TOUSU_INTAKE_SMTP_PORT"] == str(plan.smtp_port)
    assert f"smtp://127.0.0.1:{plan.smtp_port} (mail to complaints@localhost)" in stack.summary()

    monkeypatch.setenv("TOUSU_INTAKE_SMTP_PORT", "2626")
    assert plan_stack(None, None).smtp_port == 2626
    assert plan_stack(None, ["sla"]).smtp_port is None  # no intake, no email channel
