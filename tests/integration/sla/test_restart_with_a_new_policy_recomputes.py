"""A service restarted with a changed policy file re-computes the running deadlines by itself;
a bad file on the admin reload changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.sla.config import SlaConfig
from services.sla.control import SlaControl
from services.sla.main import create_app
from services.sla.policy import PolicyError
from shared.clock import FakeClock
from shared.complaints import Grade, SlaStage
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.builders import DEPT, T0
from tests.conftest import DatabaseFactory
from tests.integration.sla.support import (
    WALL_CLOCK_POLICY,
    Complaints,
    deadlines,
    running_clock,
    settled,
    sla_settings,
)
from tests.support.auth import test_tokens as known_tokens
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration


async def test_a_restart_with_another_policy_recomputes_running_deadlines(
    new_database: DatabaseFactory, kafka_backend: Backend, tmp_path: Path
) -> None:
    settings = sla_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(T0)
    engine = create_engine(settings.database_url)
    complaints = Complaints(PostgresEventStore(engine), clock)
    longer = tmp_path / "policy.yaml"
    longer.write_text(
        WALL_CLOCK_POLICY.read_text(encoding="utf-8").replace(
            "urgent:\n    first_response: PT4H\n    resolution: PT24H",
            "urgent:\n    first_response: PT4H\n    resolution: PT48H",
        ),
        encoding="utf-8",
    )
    assert "PT48H" in longer.read_text(encoding="utf-8")

    def instance(policy: Path) -> FastAPI:
        config = SlaConfig(policy_file=policy, tick_seconds=0.05)
        return create_app(settings, clock, known_tokens(), config=config)

    try:
        async with running(instance(WALL_CLOCK_POLICY)):
            no = await complaints.receive(Grade.URGENT)
            await complaints.assign(no, DEPT)
            await settled(engine, complaints.store, no)
        resolution = running_clock(await deadlines(engine, no), SlaStage.RESOLUTION)
        assert resolution.due_at == T0 + timedelta(hours=24)

        async with running(instance(longer)):

            async def recomputed() -> bool:
                row = running_clock(await deadlines(engine, no), SlaStage.RESOLUTION)
                return row.due_at == T0 + timedelta(hours=48)

            await eventually(recomputed, what="the resolution deadline re-computed for the new policy")
    finally:
        await engine.dispose()


async def test_a_bad_policy_file_on_reload_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("grades: {general: {resolution: soon}}\n", encoding="utf-8")
    config = SlaConfig(policy_file=WALL_CLOCK_POLICY)
    app = create_app(settings, FakeClock(T0), known_tokens(), config=config, fire_in_background=False)
    control: SlaControl = app.state.control
    control.policy_file = bad  # the file was edited, badly, after the start
    before = control.planner
    with pytest.raises(PolicyError, match="grades"):
        await control.reload()
    assert control.planner is before and control.firer.planner is before
