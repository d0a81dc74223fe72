"""Real tousu services (and the bench's ceiling app) in processes of their own, as `tousu up` runs
them: ``python -m tooling.cli serve NAME`` under the stack's :class:`Supervisor`, pointed at a
scratch database and the run's topics by environment variables."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil
import yaml

from shared.settings import Settings
from tooling.bench.loadgen import REPO
from tooling.stack.dev_tokens import ensure_dev_tokens
from tooling.stack.ports import free_port
from tooling.stack.supervisor import ServiceSpec, Supervisor, http_ready

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
            [sys.executable, "-m", "tooling.bench.ceiling", str(ports[name]), str(tokens_file)]
            if name == CEILING
            else [sys.executable, "-m", "tooling.cli", "serve", name]
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


def _cpu_of(pids: Iterable[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            seconds[pid] = times.user + times.system
    return seconds


def _named(prefix: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["name"]):
        if (proc.info.get("name") or "").startswith(prefix):
            found.append(proc.pid)
    return found


def broker_pids(bootstrap: str) -> list[int]:
    """The process listening on the broker's port (this host), else every process named tansu."""
    host, _, port = bootstrap.rpartition(":")
    if host in {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""} and port.isdigit():
        with contextlib.suppress(psutil.Error, OSError):
            pids = {
                c.pid
                for c in psutil.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == int(port) and c.pid
            }
            if pids:
                return sorted(pids)
    return _named("tansu")


@dataclass
class CpuSample:
    """CPU seconds so far of everything a pipeline run uses, each process on its own."""

    services: dict[str, float]
    database: dict[int, float]
    """Backends connected to the run's database (by pid)."""
    server: dict[int, float]
    """Every PostgreSQL process this user may see (other databases' backends included)."""
    broker: dict[int, float]


class CpuMeter:
    """Samples the CPU time of the services, of the PostgreSQL backends serving the run's
    database and of the broker; :meth:`used` is what each spent between two samples.

    PostgreSQL and the broker may be shared with other work (other engineers' tests on the same
    server): "postgres" counts only the backends connected to the run's database (the services'
    pools, the warm-up's; not the bench's own monitoring connection), "broker" only the process
    listening on the bootstrap port. A backend that exits between two samples takes its CPU time
    with it (pooled connections rarely do); one that starts counts from zero. The whole server's
    PostgreSQL CPU is kept as a separate figure (``postgres_server``, not in the total)."""

    def __init__(self, services: RunningServices, conn: asyncpg.Connection, bootstrap: str) -> None:
        self.processes = services.processes()
        self.conn = conn
        self.broker = broker_pids(bootstrap)

    async def sample(self) -> CpuSample:
        backends = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return CpuSample(
            services=cpu_seconds(self.processes),
            database=_cpu_of(row["pid"] for row in backends),
            server=_cpu_of(_named("postgres")),
            broker=_cpu_of(self.broker),
        )

    @staticmethod
    def used(before: CpuSample, after: CpuSample) -> dict[str, float]:
        """CPU seconds spent between the samples: each service, ``postgres`` (the run's backends),
        ``tansu`` (the broker) and ``postgres_server`` (all of PostgreSQL, for reference)."""

        def spent(b: dict[int, float], a: dict[int, float]) -> float:
            return sum(max(0.0, seconds - b.get(pid, 0.0)) for pid, seconds in a.items())

        used = {
            name: seconds - before.services[name]
            for name, seconds in after.services.items()
            if name in before.services
        }
        used["postgres"] = spent(before.database, after.database)
        used["tansu"] = spent(before.broker, after.broker)
        used["postgres_server"] = spent(before.server, after.server)
        return used
