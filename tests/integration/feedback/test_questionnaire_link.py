"""A questionnaire revisit end to end, on the real PostgreSQL and broker: customer service issues a
link, the complainant opens the page without an account and answers once; the answer is the
same FeedbackReceived an agent's call records (channel questionnaire). A used or expired link is
refused in both languages (and 4xx JSON for API callers). A complainant who rejects the answer
starts an upgraded complaint: feedback publishes it on the intake topic and intake links it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from services.feedback.main import create_app
from services.intake.main import create_app as create_intake
from shared.clock import FakeClock
from shared.complaints.values import Grade, Status
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import history_to, new_complaint_no
from tests.integration.feedback.conftest import NOW
from tests.support import auth
from tests.support.auth import bearer
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

AGENT = bearer("agent", "customer_service")


@dataclass
class Survey:
    client: httpx.AsyncClient
    store: PostgresEventStore
    clock: FakeClock

    async def resolved(self, **received: object) -> str:
        complaint_no = new_complaint_no()
        await self.store.append(
            complaint_no,
            NO_STREAM,
            history_to(Status.RESOLVED, "quality", complaint_no=complaint_no, **received),
        )
        return complaint_no

    async def link(self, complaint_no: str, **body: str) -> str:
        response = await self.client.post(
            f"/v1/complaints/{complaint_no}/revisit-links", json=body, headers=AGENT
        )
        assert response.status_code == 201, response.text
        url: str = response.json()["url"]
        return url.rsplit("/q/", 1)[1]

    async def of_type(self, complaint_no: str, event_type: str) -> list[RecordedEvent]:
        return [e for e in await self.store.read_stream(complaint_no) if e.type == event_type]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def survey(new_database, kafka_backend) -> AsyncIterator[Survey]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, tokens=auth.test_tokens())
    intake = create_intake(settings, tokens=auth.test_tokens(), lapse_in_background=False)
    async with running(intake), running(app) as client:
        yield Survey(client, app.state.runtime.store, clock)


async def test_the_complainant_answers_once_on_the_page(survey: Survey) -> None:
    complaint_no = await survey.resolved()
    token = await survey.link(complaint_no)

    page = await survey.client.get(f"/q/{token}")
    assert page.status_code == 200 and complaint_no in page.text and '<html lang="zh-CN">' in page.text
    english = await survey.client.get(f"/q/{token}", params={"lang": "en"})
    assert "Was the problem solved?" in english.text

    answered = await survey.client.post(
        f"/q/{token}", data={"solved": "yes", "score": "5", "comment": "很好"}
    )
    assert answered.status_code == 200 and "感谢您的反馈" in answered.text

    again = await survey.client.post(f"/q/{token}?lang=en", data={"solved": "no", "score": "1"})
    assert again.status_code == 410 and "already been used" in again.text
    api = await survey.client.post(f"/v1/questionnaires/{token}", json={"solved": False, "score": 1})
    assert api.status_code == 410 and api.json()["error"] == "link_used"

    feedback = await survey.of_type(complaint_no, "FeedbackReceived")
    assert len(feedback) == 1
    assert feedback[0].payload["channel"] == "questionnaire" and feedback[0].payload["score"] == 5
    assert (await survey.of_type(complaint_no, "ComplaintClosed"))[0].payload["reason"] == "satisfied"


async def test_an_expired_link_is_refused(survey: Survey) -> None:
    complaint_no = await survey.resolved()
    token = await survey.link(complaint_no, send_via="sms")
    survey.clock.advance(timedelta(days=7))
    try:
        info = await survey.client.get(f"/v1/questionnaires/{token}")
        page = await survey.client.get(f"/q/{token}")
        answer = await survey.client.post(f"/v1/questionnaires/{token}", json={"solved": True, "score": 4})
    finally:
        survey.clock.set(NOW)
    assert info.status_code == 410 and info.json()["error"] == "link_expired"
    assert page.status_code == 410 and "已过期" in page.text
    assert answer.status_code == 410
    assert await survey.of_type(complaint_no, "FeedbackReceived") == []


async def test_unknown_links_and_complaints_not_awaiting_a_revisit(survey: Survey) -> None:
    unknown = await survey.client.get("/v1/questionnaires/" + "x" * 43)
    assert unknown.status_code == 404 and unknown.json()["error"] == "link_unknown"
    in_progress = new_complaint_no()
    await survey.store.append(
        in_progress, NO_STREAM, history_to(Status.IN_PROGRESS, "quality", complaint_no=in_progress)
    )
    refused = await survey.client.post(f"/v1/complaints/{in_progress}/revisit-links", json={}, headers=AGENT)
    assert refused.status_code == 409 and refused.json()["error"] == "not_awaiting_revisit"
    assert (await survey.client.post("/v1/complaints/TS-0/revisit-links", headers=AGENT)).status_code == 404
    other = bearer("agent", "quality")
    assert (
        await survey.client.post(f"/v1/complaints/{in_progress}/revisit-links", headers=other)
    ).status_code == 403


async def test_rejecting_the_answer_reopens_it_and_starts_a_linked_upgraded_complaint(survey: Survey) -> None:
    complaint_no = await survey.resolved(complainant_kind="employee")
    token = await survey.link(complaint_no, send_via="email")

    answer = {"solved": False, "score": 1, "comment": "问题依旧", "upgrade": True}
    response = await survey.client.post(f"/v1/questionnaires/{token}", json=answer)

    assert response.status_code == 201, response.text
    assert response.json() == {"complaint_no": complaint_no, "status": "reopened", "upgraded": True}
    assert len(await survey.of_type(complaint_no, "ComplaintReopened")) == 1

    async def upgraded() -> RecordedEvent | None:
        async with survey.store.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT stream_id FROM events "
                        "WHERE type = 'ComplaintUpgradedFrom' AND payload->>'original' = :no"
                    ),
                    {"no": complaint_no},
                )
            ).first()
        if row is None:
            return None
        return (await survey.of_type(row.stream_id, "ComplaintUpgradedFrom"))[0]

    link = await eventually(upgraded, what="the upgraded complaint linked by intake")
    assert link.payload == {"original": complaint_no, "escalated": True}
    received = (await survey.of_type(link.stream_id, "ComplaintReceived"))[0].payload
    assert received["channel"] == "online" and received["complainant_kind"] == "employee"


async def test_no_second_link_once_the_complainant_confirmed_and_only_d8_is_left(survey: Survey) -> None:
    complaint_no = await survey.resolved(grade=Grade.SEVERE)  # severe: its 8D case opened at receipt
    answered = await survey.client.post(
        f"/v1/questionnaires/{await survey.link(complaint_no)}", json={"solved": True, "score": 5}
    )
    assert answered.status_code == 201 and answered.json()["status"] == "resolved", answered.text
    assert await survey.of_type(complaint_no, "ComplaintClosed") == []  # waits for D8

    again = await survey.client.post(f"/v1/complaints/{complaint_no}/revisit-links", json={}, headers=AGENT)
    assert again.status_code == 409, again.text
    body = again.json()
    assert (
        body["error"] == "already_confirmed" and "D8" in body["message"] and "8D 结案" in body["message_zh"]
    )
