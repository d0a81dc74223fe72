"""Auditors replay a complaint's history and verify every hash chain from the command line."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import asyncpg
import pytest

from shared.audit import replay_complaint, replay_period, verify
from shared.clock import FakeClock
from shared.db.engine import create_engine
from shared.events import NewEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.settings import Settings
from tests.builders import agent, received
from tests.integration.eventstore.conftest import dsn

pytestmark = pytest.mark.integration


@pytest.fixture
async def audited(new_database) -> tuple[Settings, str, list[str]]:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=await new_database())
    engine = create_engine(settings.database_url)
    clock = FakeClock()
    number = "TS-20260105-000001"
    first = NewEvent.of(received(complaint_no=number), actor=agent("customer_service"), clock=clock)
    clock.advance(timedelta(minutes=5))
    await PostgresEventStore(engine).append(number, NO_STREAM, [first])
    await engine.dispose()
    return settings, number, [str(first.event_id)]


async def test_replay_prints_who_did_what_when_in_which_role(audited) -> None:  # type: ignore[no-untyped-def]
    settings, number, _ = audited
    out = io.StringIO()
    assert await replay_complaint(settings, number, out) == 0
    text = out.getvalue()
    assert number in text and "ComplaintReceived" in text
    assert "agent:" in text and "@customer_service" in text
    assert "CST" in text or "+08" in text  # shown in the organisation's time zone


async def test_replay_of_a_period_streams_json_lines(audited) -> None:  # type: ignore[no-untyped-def]
    settings, number, ids = audited
    out = io.StringIO()
    assert await replay_period(settings, None, None, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event_id"] for line in lines] == [ids[0]]
    assert lines[0]["stream_id"] == number


async def test_verify_exits_non_zero_naming_the_altered_event(audited) -> None:  # type: ignore[no-untyped-def]
    settings, _, ids = audited
    out = io.StringIO()
    assert await verify(settings, None, out) == 0
    conn = await asyncpg.connect(dsn(settings.database_url))
    try:
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_refuse_update_delete")
        await conn.execute("UPDATE events SET payload = jsonb_set(payload, '{subject}', '\"forged\"')")
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_refuse_update_delete")
    finally:
        await conn.close()
    out = io.StringIO()
    assert await verify(settings, None, out) == 1
    assert ids[0] in out.getvalue() and "altered" in out.getvalue()

    cli = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tooling.cli", "audit", "verify"],
        env={**os.environ, "TOUSU_DATABASE_URL": settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 1
    assert ids[0] in cli.stdout
