"""Through the real intake service on the manufacturing scheme (general/batch/severe): a
complaint graded severe at receipt opens its 8D case in the same append, the recurrence rule
raising the grade to severe opens one naming the recurrence, and a regrade to severe opens one;
a batch complaint opens none."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from services.intake.policy import default_policy_file
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.integration.intake.conftest import Intake
from tests.support.auth import bearer, test_tokens
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def manufacturing(text: str) -> str:
    """The packaged policy on the manufacturing scheme: urgency keywords make it severe, the
    others batch; the second complaint about one product and problem in 30 days is severe."""
    text = text.replace("scheme: general_complex_urgent", "scheme: manufacturing")
    text = text.replace("grade: urgent", "grade: severe").replace("grade: complex", "grade: batch")
    return text.replace("  count: 3\n", "  count: 2\n").replace(
        "recurrence:\n  name: recurring-problem\n  count: 2\n  days: 30\n  grade: batch",
        "recurrence:\n  name: recurring-problem\n  count: 2\n  days: 30\n  grade: severe",
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(new_database, kafka_backend, tmp_path_factory) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    policy = Path(tmp_path_factory.mktemp("policy")) / "grading.yaml"
    policy.write_text(manufacturing(default_policy_file().read_text(encoding="utf-8")), encoding="utf-8")
    app = create_app(settings, tokens=test_tokens(), config=IntakeSettings(grading_file=policy))
    async with running(app) as client:
        yield Intake(client, settings, app)


async def _submit(intake: Intake, submission: dict[str, object]) -> str:
    response = await intake.client.post("/v1/complaints", json=submission, headers=bearer("channel"))
    assert response.status_code == 202, response.text
    number: str = response.json()["complaint_no"]
    return number


async def _events(intake: Intake, number: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        stream = await PostgresEventStore(engine).read_stream(number)
    finally:
        await engine.dispose()
    return [(record.type, record.payload) for record in stream]


def _opened(events: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [payload for kind, payload in events if kind == "EightDCaseOpened"]


async def test_severe_at_receipt_and_by_recurrence(intake: Intake, submission: dict[str, object]) -> None:
    product = [f"P-{uuid.uuid4().hex[:12]}"]
    first = await _submit(intake, {**submission, "product_refs": product})
    second = await _submit(intake, {**submission, "product_refs": product})
    severe = await _submit(
        intake,
        {**submission, "product_refs": [f"P-{uuid.uuid4().hex[:12]}"], "content": "漏电，孩子受伤了。"},
    )

    assert _opened(await _events(intake, first)) == []
    [by_recurrence] = _opened(await _events(intake, second))
    assert (by_recurrence["cause"], by_recurrence["grade"], by_recurrence["department"]) == (
        "recurrence",
        "severe",
        None,
    )
    events = await _events(intake, severe)
    assert [kind for kind, _ in events][:2] == ["ComplaintReceived", "EightDCaseOpened"]
    assert _opened(events)[0]["cause"] == "severe_grade"


async def test_a_regrade_to_severe_opens_one(intake: Intake, submission: dict[str, object]) -> None:
    number = await _submit(intake, {**submission, "product_refs": [f"P-{uuid.uuid4().hex[:12]}"]})

    regraded = await intake.client.post(
        f"/v1/complaints/{number}/grade",
        json={"grade": "severe", "reason": "整批失效"},
        headers=bearer("supervisor"),
    )

    assert regraded.status_code == 200, regraded.text
    assert regraded.json()["events"] == ["ComplaintRegraded", "EightDCaseOpened"]
    assert _opened(await _events(intake, number))[0]["cause"] == "regrade"
