"""``received_at`` drives a complaint's deadlines, so a live channel may only place it within a
window of now: back at most TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS, ahead at most
TOUSU_INTAKE_RECEIVED_MAX_SKEW_SECONDS of clock skew. Outside it: 422 naming the field, in English
and Chinese, and nothing recorded; on Kafka a dead letter with the reason. The import path widens
the window through Submissions.submit's (and receive()'s) ``window`` parameter (FakeClock at T0)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from services.intake.config import IntakeSettings
from services.intake.corrections import take_submission
from services.intake.main import create_app
from services.intake.policy import load_policy
from services.intake.receive import receive
from services.intake.schemas import ComplaintSubmission, IntakeMessage
from services.intake.submit import Submissions, Submitter
from services.intake.window import IMPORT_WINDOW
from shared.clock import FakeClock
from shared.events import Actor, Role
from shared.eventstore.unit_of_work import sql_units_of_work
from shared.messaging.consumer import PoisonMessage
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from tests.builders import T0
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

WINDOW = IntakeSettings(received_max_age_days=10, received_max_skew_seconds=60)
ZONE = ZoneInfo("Asia/Shanghai")


class Intake:
    def __init__(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    async def submit(self, submission: dict[str, Any], **received: float) -> httpx.Response:
        at = T0 + timedelta(**received)
        body = {**submission, "received_at": at.isoformat()}
        return await self.client.post("/v1/complaints", json=body, headers=bearer("channel"))

    async def received_count(self) -> int:
        async with self.runtime.engine.connect() as conn:
            count = await conn.scalar(text("SELECT count(*) FROM events WHERE type = 'ComplaintReceived'"))
            return int(count or 0)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(new_database, kafka_backend) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(
        settings, clock=FakeClock(T0), tokens=tokens_for_tests(), config=WINDOW, lapse_in_background=False
    )
    async with running(app) as client:
        yield Intake(client, app.state.runtime)


def refused_field(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code
    assert [e["field"] for e in body["errors"]] == ["received_at"]
    assert "received_at" in body["message"] and "received_at" in body["message_zh"]
    return body


async def test_inside_the_window_is_received(intake: Intake, submission: dict[str, Any]) -> None:
    for offset in ({"days": -10}, {"days": -1}, {"seconds": 0}, {"seconds": 60}):
        response = await intake.submit(submission, **offset)
        assert response.status_code == 202, (offset, response.text)


async def test_older_than_the_window_is_refused(intake: Intake, submission: dict[str, Any]) -> None:
    before = await intake.received_count()
    body = refused_field(await intake.submit(submission, days=-10, seconds=-1), "received_at_too_old")
    assert "10 days" in body["message"] and "tousu import" in body["message"]
    assert "10 天" in body["message_zh"]
    refused_field(await intake.submit(submission, days=-365 * 26), "received_at_too_old")  # the year 2000
    assert await intake.received_count() == before


async def test_later_than_the_clock_skew_is_refused(intake: Intake, submission: dict[str, Any]) -> None:
    before = await intake.received_count()
    body = refused_field(await intake.submit(submission, seconds=61), "received_at_in_future")
    assert "1 minutes" in body["message"] and "1 分钟" in body["message_zh"]
    refused_field(await intake.submit(submission, days=365 * 73), "received_at_in_future")  # 2099
    assert await intake.received_count() == before


def kafka_submission(submission_id: str, **fields: Any) -> IntakeMessage:
    values: dict[str, Any] = {
        "submission_id": submission_id,
        "channel_id": "wechat-bot",
        "channel": "online",
        "complainant_kind": "customer",
        "complainant": {"name": "Li Na", "email": "li.na@example.com"},
        "category": "delivery",
        "subject": "Parcel late",
        "content": "It did not arrive.",
        "received_at": T0 - timedelta(days=11),
    }
    return IntakeMessage.model_validate({**values, **fields})


def submissions_of(runtime: Runtime) -> Submissions:
    """The one submission handler, on the window the app was built with."""
    return Submissions(runtime.store, load_policy(), runtime.clock, ZONE, window=WINDOW.received_window())


async def numbers_given_out(runtime: Runtime, submission_id: str) -> int:
    async with runtime.engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM intake_submissions WHERE submission_id = :s"), {"s": submission_id}
        )
        return int(count or 0)


async def test_a_kafka_submission_outside_the_window_is_a_dead_letter(intake: Intake) -> None:
    message = kafka_submission(f"late-{uuid.uuid4().hex[:8]}")
    runtime = intake.runtime
    with pytest.raises(PoisonMessage, match="received_at_too_old"):
        async with sql_units_of_work(runtime.engine)() as uow:
            await take_submission(uow, message, submissions_of(runtime), correction_hours=24)


async def test_the_window_is_checked_before_a_return_for_correction(intake: Intake) -> None:
    """A hotline submission lacking the phone the policy requires would be returned for
    correction with a number at once; outside the window it is a dead letter instead, and no
    number is given out for it."""
    submission_id = f"late-call-{uuid.uuid4().hex[:8]}"
    message = kafka_submission(
        submission_id, channel="hotline", channel_id="ivr-1", complainant={"name": "王女士"}
    )
    runtime = intake.runtime
    assert submissions_of(runtime).policy.missing_fields(message.submission())  # would be returned
    with pytest.raises(PoisonMessage, match="received_at_too_old"):
        async with sql_units_of_work(runtime.engine)() as uow:
            await take_submission(uow, message, submissions_of(runtime), correction_hours=24)
    assert await numbers_given_out(runtime, submission_id) == 0


async def test_the_import_path_widens_the_window(intake: Intake, submission: dict[str, Any]) -> None:
    old = ComplaintSubmission.model_validate({**submission, "received_at": "2001-03-04T09:00:00+08:00"})
    runtime = intake.runtime
    importer = Submitter(Actor(role=Role.SERVICE, id="import"), "import", scope="import:test")
    async with sql_units_of_work(runtime.engine)() as uow:
        submitted = await submissions_of(runtime).submit(
            uow, old, importer, f"row-{uuid.uuid4().hex[:8]}", window=IMPORT_WINDOW
        )
    assert not submitted.replayed
    assert submitted.complaint_no.startswith("TS-20010304-")
    async with runtime.engine.begin() as conn:
        outcome = await receive(
            conn,
            runtime.store,
            old,
            policy=load_policy(),
            actor=Actor(role=Role.CHANNEL, id="import"),
            clock=runtime.clock,
            zone=ZONE,
            window=IMPORT_WINDOW,
        )
    assert outcome.rejection is None
    assert outcome.state.received_at == old.received_at
