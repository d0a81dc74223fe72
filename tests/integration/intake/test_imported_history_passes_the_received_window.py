"""History comes in through `tousu import`, which passes intake's one submission handler the
import window (any past ``received_at``): a complaint received in 2019 is imported, while the same
complaint sent live over HTTP is refused 422 ``received_at_too_old`` (the live window: 30 days)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from shared.db.engine import create_engine
from shared.messaging.topics import ensure_topics
from tests.conftest import DatabaseFactory
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.history_register import MAPPING, register, run_import
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

RECEIVED = "2019-03-04 09:00"
"""Local time (Asia/Shanghai) in the register; 2019-03-04T01:00:00Z."""


async def received_at_of(url: str) -> list[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT payload->>'received_at' FROM events WHERE type = 'ComplaintReceived'")
            )
            return [str(value) for value in rows.scalars()]
    finally:
        await engine.dispose()


async def test_a_2019_complaint_is_imported_but_refused_over_http(  # type: ignore[no-untyped-def]
    new_database: DatabaseFactory,
    kafka_backend,
    tmp_path: Path,
    submission: dict[str, object],
) -> None:
    made = register(1, seed=5, refused_every=1000)
    row = made.rows[0]
    row.update({"受理时间": RECEIVED, "办理状态": "处理中", "答复时间": "", "办结时间": "", "处理结果": ""})
    url = await new_database()

    done = await run_import(url, made.write_csv(tmp_path / "register.csv"), "--mapping", MAPPING, "--json")

    assert done.code == 0, done.err
    assert (done.summary["imported"], done.summary["refused"]) == (1, 0), done.out
    [received_at] = await received_at_of(url)
    assert received_at.startswith("2019-03-04T01:00:00")

    settings = settings_for(url, kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=tokens_for_tests(), config=IntakeSettings(), lapse_in_background=False)
    async with running(app) as client:
        live = {**submission, "received_at": "2019-03-04T09:00:00+08:00"}
        response = await client.post("/v1/complaints", json=live, headers=bearer("channel"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "received_at_too_old"
    assert [error["field"] for error in body["errors"]] == ["received_at"]
    assert len(await received_at_of(url)) == 1  # nothing recorded over HTTP
