"""Session-wide real backends (PostgreSQL and a Kafka-protocol broker) and fresh databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from shared.db.logins import provision
from shared.db.migrate import upgrade
from shared.settings import Settings
from tests.support.backends import (
    Backend,
    kafka_choice,
    postgres_choice,
    start_kafka,
    start_postgres,
)
from tests.support.settings import TEST_LOGINS, settings_for

ARTIFACTS = Path(os.environ.get("TOUSU_TEST_ARTIFACTS", "test-artifacts"))
# every test database's key ring file (named by its ring id) in one place of the test run, also
# for the services tests start as processes (they inherit the environment)
os.environ.setdefault("TOUSU_PRIVACY_KEY_RING_DIR", str((ARTIFACTS / "keyring").resolve()))

# Services under test sign no audit checkpoints unless a test asks for them: a signing key that a
# developer's `tousu up` left in ./.tousu would otherwise have them sign test databases there.
os.environ.setdefault("TOUSU_AUDIT_CHECKPOINT_INTERVAL_SECONDS", "0")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"tousu backends: postgres={postgres_choice()}, kafka={kafka_choice()}"]


@pytest.fixture(scope="session")
def postgres_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    backend = start_postgres(tmp_path_factory.mktemp("pg"))
    print(f"\n[tousu tests] PostgreSQL backend: {backend.description}")
    yield backend
    backend.stop()


@pytest.fixture(scope="session")
def kafka_backend() -> Iterator[Backend]:
    backend = start_kafka()
    print(f"\n[tousu tests] Kafka backend: {backend.description}")
    yield backend
    backend.stop()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


DatabaseFactory = Callable[[], Awaitable[str]]


@pytest.fixture(scope="session")
async def new_database(postgres_backend: Backend) -> AsyncIterator[DatabaseFactory]:
    """Creates a fresh, migrated database and returns its URL; all are dropped at the end."""
    created: list[str] = []
    provisioned: list[bool] = []

    async def create() -> str:
        name = f"tousu_test_{uuid.uuid4().hex[:10]}"
        url = f"{postgres_backend.url}/{name}"
        created.append(name)
        await upgrade(Settings(database_url=url))
        if not provisioned:  # logins belong to the server: once, after the group roles exist
            await provision(url, TEST_LOGINS)
            provisioned.append(True)
        return url

    yield create
    admin = await asyncpg.connect(_dsn(f"{postgres_backend.url}/postgres"))
    try:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(new_database: DatabaseFactory) -> str:
    """One migrated database shared by the session; tests use unique stream ids."""
    return await new_database()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_backend: Backend) -> str:
    return kafka_backend.url


@pytest.fixture
async def settings(new_database: DatabaseFactory, kafka_backend: Backend) -> Settings:
    """A fresh database and topics of its own: a running service's outbox relay publishes
    everything in its database, so services under test never share one."""
    return settings_for(await new_database(), kafka_backend)
