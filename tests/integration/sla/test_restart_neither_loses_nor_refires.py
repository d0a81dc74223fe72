"""Timers survive restarts: a warning fired before a restart is not fired again, and a breach
that fell due while the service was down is fired once after it. The fire loop runs for real."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from fastapi import FastAPI

from services.sla.config import SlaConfig
from services.sla.main import create_app
from shared.clock import FakeClock
from shared.complaints import Grade
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import DEPT, T0
from tests.conftest import DatabaseFactory
from tests.integration.sla.support import WALL_CLOCK_POLICY, Complaints, settled, sla_settings
from tests.support.auth import test_tokens as known_tokens
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration


async def test_a_restarted_service_neither_loses_nor_refires_a_timer(
    new_database: DatabaseFactory, kafka_backend: Backend
) -> None:
    settings = sla_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(T0)
    engine = create_engine(settings.database_url)
    complaints = Complaints(PostgresEventStore(engine), clock)

    def instance() -> FastAPI:
        config = SlaConfig(policy_file=WALL_CLOCK_POLICY, tick_seconds=0.05)
        return create_app(settings, clock, known_tokens(), config=config)

    async def count(no: str) -> Counter[str]:
        return Counter(await complaints.types(no))

    try:
        async with running(instance()):
            no = await complaints.receive(Grade.URGENT)  # first response 4 h: warning at 3h12m
            await complaints.assign(no, DEPT)
            await settled(engine, complaints.store, no)
            clock.set(T0 + timedelta(hours=3, minutes=30))

            async def warned() -> bool:
                return (await count(no))["SlaWarningRaised"] == 1

            await eventually(warned, what="the first-response warning")

        clock.set(T0 + timedelta(hours=4, minutes=30))  # the limit runs out while the service is down
        assert (await count(no))["SlaBreached"] == 0

        async with running(instance()):

            async def breached() -> bool:
                return (await count(no))["ComplaintEscalated"] == 1

            await eventually(breached, what="the breach that fell due during the restart")
            await asyncio.sleep(0.5)  # ten more ticks of the fire loop

        counts = await count(no)
        assert (counts["SlaWarningRaised"], counts["SlaBreached"], counts["ComplaintEscalated"]) == (1, 1, 1)
    finally:
        await engine.dispose()
