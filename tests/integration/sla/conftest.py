"""One running sla service for the package (joining a consumer group costs seconds), on a
database of its own, with a FakeClock the tests move; timers fire only when a test calls
``fire_due``. Tests use fresh complaint numbers, so they do not see each other's clocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from services.sla.config import SlaConfig
from services.sla.control import SlaControl
from services.sla.firing import DeadlineFirer
from services.sla.main import create_app
from shared.clock import FakeClock
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from tests.builders import T0
from tests.conftest import DatabaseFactory
from tests.integration.sla.support import WALL_CLOCK_POLICY, Complaints, DirectClocks, sla_settings
from tests.support.auth import test_tokens
from tests.support.backends import Backend
from tests.support.running import running


@dataclass
class Sla:
    """The running service and what tests drive it with."""

    client: httpx.AsyncClient
    runtime: Runtime
    clock: FakeClock
    engine: AsyncEngine
    store: PostgresEventStore
    firer: DeadlineFirer
    complaints: Complaints
    control: SlaControl


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def sla(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Sla]:
    settings = sla_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(T0)
    config = SlaConfig(policy_file=WALL_CLOCK_POLICY)
    app = create_app(settings, clock, test_tokens(), config=config, fire_in_background=False)
    async with running(app) as client:
        runtime: Runtime = app.state.runtime
        yield Sla(
            client=client,
            runtime=runtime,
            clock=clock,
            engine=runtime.engine,
            store=runtime.store,
            firer=app.state.firer,
            complaints=Complaints(runtime.store, clock),
            control=app.state.control,
        )


@dataclass
class Bare:
    """A fresh database and no service: the consumer's handler is applied by hand."""

    engine: AsyncEngine
    store: PostgresEventStore
    clock: FakeClock
    complaints: Complaints
    clocks: DirectClocks


@pytest_asyncio.fixture(loop_scope="session")
async def bare(new_database: DatabaseFactory) -> AsyncIterator[Bare]:
    engine = create_engine(await new_database())
    store = PostgresEventStore(engine)
    clock = FakeClock(T0)
    try:
        yield Bare(engine, store, clock, Complaints(store, clock), DirectClocks(engine, store))
    finally:
        await engine.dispose()
