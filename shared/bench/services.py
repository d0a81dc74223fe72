"""Real tousu services (and the bench's ceiling app) in processes of their own, as `tousu up` runs
them: ``python -m shared.cli serve NAME`` under the stack's :class:`Supervisor`, pointed at a
scratch database and the run's topics by environment variables."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import yaml

from shared.bench.loadgen import REPO
from shared.settings import Settings
from shared.stack.dev_tokens import ensure_dev_tokens
from shared.stack.ports import free_port
from shared.stack.supervisor import ServiceSpec, Supervisor, http_ready

CEILING = "ceiling"
"""The name of the bare FastAPI endpoint among the started processes."""

SUBMISSION = {
    "channel": "hotline",
    "complainant_kind": "customer",
    # a different complainant each time, as in real traffic: one person filing every complaint
    # makes the duplicate check read a history that grows through the run
    "complainant": {"name": "张伟", "phone": "1380{i}"},
    "category": "product_quality",
    "subject": "洗衣机漏水 #{i}",
    "content": "购买两周的洗衣机底部漏水，要求上门检修。",
    "product_refs": ["WM-{i}"],
    "order_refs": ["SO-{i}"],
}
"""What the load generator submits (``{i}``: the request's index, so no two are the same)."""


@dataclass
class RunningServices:
    urls: dict[str, str]
    channel_token: str
    supervisor: Supervisor

    def processes(self) -> dict[str, psutil.Process]:
        found = {}
        for name, pid in self.supervisor.pids().items():
            if pid is not None:
                with contextlib.suppress(psutil.Error):
                    found[name] = psutil.Process(pid)
        return found


def service_environment(settings: Settings, ports: dict[str, int], tokens_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
            "TOUSU_DATABASE_URL": settings.database_url,
            "TOUSU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "TOUSU_KAFKA_IDEMPOTENCE": "true" if settings.kafka_idempotence else "false",
            "TOUSU_TOPIC_INTAKE": settings.topic_intake,
            "TOUSU_TOPIC_EVENTS": settings.topic_events,
            "TOUSU_TOPIC_ASSIGNMENTS": settings.topic_assignments,
            "TOUSU_TOPIC_DEAD_LETTERS": settings.topic_dead_letters,
            "TOUSU_TOPIC_PARTITIONS": str(settings.topic_partitions),
            "TOUSU_TOPIC_SERVICE_VOLUME": settings.topic_service_volume,
            "TOUSU_CONSUMER_GROUP_PREFIX": settings.consumer_group_prefix,
            "TOUSU_TOKENS_FILE": str(tokens_file),
            "TOUSU_LOG_LEVEL": "WARNING",
            # the bench offers hundreds of submissions a second from one channel token
            "TOUSU_INTAKE_RATE_PER_MINUTE": "1000000000",
            "TOUSU_INTAKE_RATE_BURST": "1000000",
        }
    )
    env.update({f"TOUSU_{name.upper()}_PORT": str(port) for name, port in ports.items() if name != CEILING})
    return env


@asynccontextmanager
async def running_services(
    settings: Settings, names: Sequence[str], workdir: Path, ready_timeout: float = 180.0
) -> AsyncIterator[RunningServices]:
    """Start ``names`` (tousu services, or :data:`CEILING`), wait for /readyz, stop them after."""
    tokens_file = workdir / "tokens.yaml"
    ensure_dev_tokens(tokens_file)
    entries = yaml.safe_load(tokens_file.read_text(encoding="utf-8"))["tokens"]
    channel_token = next(e["token"] for e in entries if e["role"] == "channel")
    ports = {name: free_port() for name in names}
    env = service_environment(settings, ports, tokens_file)
    specs = []
    for name in names:
        argv = (
            [sys.executable, "-m", "shared.bench.ceiling", str(ports[name]), str(tokens_file)]
            if name == CEILING
            else [sys.executable, "-m", "shared.cli", "serve", name]
        )
        specs.append(
            ServiceSpec(
                name=name,
                argv=argv,
                log_path=workdir / f"{name}.log",
                env=env,
                cwd=REPO,
                port=ports[name],
                ready=http_ready(f"http://127.0.0.1:{ports[name]}/readyz"),
            )
        )
    supervisor = Supervisor(specs, ready_timeout=ready_timeout, stop_grace=10.0, report=lambda _: None)
    try:
        await supervisor.start()
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        yield RunningServices(urls, channel_token, supervisor)
    finally:
        supervisor.stop()


def cpu_seconds(processes: dict[str, psutil.Process]) -> dict[str, float]:
    """User + system CPU time of each process so far (children not included)."""
    seconds = {}
    for name, proc in processes.items():
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            seconds[name] = times.user + times.system
    return seconds


def backend_cpu_seconds() -> dict[str, float]:
    """CPU time of every PostgreSQL backend and tansu process this user may see (other users' work on
    the same server included); a backend that is not found (another host, no permission) is left out."""
    seconds: dict[str, float] = {}
    for proc in psutil.process_iter(["name"]):
        name = proc.info.get("name") or ""
        key = "postgres" if name.startswith("postgres") else "tansu" if "tansu" in name else None
        if key is None:
            continue
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            seconds[key] = seconds.get(key, 0.0) + times.user + times.system
    return seconds
