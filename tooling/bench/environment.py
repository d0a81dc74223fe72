"""The backends a bench run talks to: real PostgreSQL (scratch databases, dropped afterwards)
and the Kafka-protocol broker (TOUSU_KAFKA_BOOTSTRAP, or a tansu started for the run)."""

from __future__ import annotations

import os
import platform
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from sqlalchemy.engine import make_url

from shared.db.migrate import upgrade
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tooling.stack.broker import TansuBroker
from tooling.stack.ports import free_port

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def dsn(url: str) -> str:
    """A SQLAlchemy URL as a libpq-style DSN for asyncpg.connect."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class BenchEnvironment:
    server_url: str
    """SQLAlchemy URL of the PostgreSQL server (any database name; scratch ones are made on it)."""
    kafka_bootstrap: str
    kafka_idempotence: bool
    broker_description: str
    _databases: list[str] = field(default_factory=list)
    _kept: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    """Every scratch database this run made (all dropped by the end of the run)."""
    resources: AsyncExitStack = field(default_factory=AsyncExitStack)
    """What outlives one benchmark (a running stack two benchmarks share); closed with the run."""
    shared: dict[str, Any] = field(default_factory=dict)
    """Those resources by name."""

    async def scratch(self, purpose: str, *, keep: bool = False) -> Settings:
        """A fresh, migrated database and topics of its own; dropped after the benchmark (by
        :meth:`drop_all`), or when the run ends if ``keep``."""
        name = f"tousu_bench_{purpose}_{uuid.uuid4().hex[:8]}"
        url = make_url(self.server_url).set(database=name).render_as_string(hide_password=False)
        (self._kept if keep else self._databases).append(name)
        self.created.append(name)
        suffix = uuid.uuid4().hex[:8]
        settings = Settings(
            database_url=url,
            kafka_bootstrap=self.kafka_bootstrap,
            kafka_idempotence=self.kafka_idempotence,
            topic_intake=f"bench.{suffix}.intake",
            topic_events=f"bench.{suffix}.events",
            topic_assignments=f"bench.{suffix}.assignments",
            topic_dead_letters=f"bench.{suffix}.dlq",
            topic_service_volume=f"bench.{suffix}.volume",
            consumer_group_prefix=f"bench.{suffix}",
            topic_partitions=3,
        )
        await upgrade(settings)
        return settings

    async def topics(self, settings: Settings) -> None:
        await ensure_topics(settings)

    async def close(self) -> None:
        """Stop what outlived its benchmark, then drop every database (the kept ones too)."""
        try:
            await self.resources.aclose()
        finally:
            self._databases.extend(self._kept)
            self._kept.clear()
            await self.drop_all()

    async def drop_all(self) -> None:
        """Drop the scratch databases made since the last call (not the kept ones)."""
        if not self._databases:
            return
        admin = await asyncpg.connect(
            dsn(make_url(self.server_url).set(database="postgres").render_as_string(hide_password=False))
        )
        try:
            for name in self._databases:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        self._databases.clear()

    async def machine(self) -> dict[str, Any]:
        """Where the figures came from."""
        conn = await asyncpg.connect(
            dsn(make_url(self.server_url).set(database="postgres").render_as_string(hide_password=False))
        )
        try:
            pg_version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        return {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "postgresql": pg_version,
            "broker": self.broker_description,
        }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@asynccontextmanager
async def bench_environment(
    database_url: str | None = None,
    kafka_bootstrap: str | None = None,
    *,
    kafka_idempotence: bool | None = None,
) -> AsyncIterator[BenchEnvironment]:
    """PostgreSQL from ``database_url`` / TOUSU_DATABASE_URL / 127.0.0.1:5432; the broker from
    ``kafka_bootstrap`` / TOUSU_KAFKA_BOOTSTRAP, else a tansu started here and stopped after."""
    server = database_url or os.environ.get("TOUSU_DATABASE_URL") or DEFAULT_SERVER
    bootstrap = kafka_bootstrap or os.environ.get("TOUSU_KAFKA_BOOTSTRAP")
    broker: TansuBroker | None = None
    with tempfile.TemporaryDirectory(prefix="tousu-bench-") as workdir:
        if bootstrap is None:
            broker = TansuBroker(port=free_port(), log_path=Path(workdir) / "tansu.log")
            await broker.start()
            bootstrap = broker.bootstrap
            description = f"tansu (memory storage) on {bootstrap}, started by the bench"
            idempotence = False  # tansu does not implement InitProducerId
        else:
            description = f"Kafka-protocol broker at {bootstrap}"
            idempotence = (
                kafka_idempotence
                if kafka_idempotence is not None
                else Settings(kafka_bootstrap=bootstrap).kafka_idempotence
            )
        env = BenchEnvironment(server, bootstrap, idempotence, description)
        try:
            yield env
        finally:
            try:
                await env.close()
            finally:
                if broker is not None:
                    broker.stop()
