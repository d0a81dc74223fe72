"""Anonymous employee complaints (匿名投诉): the identity is stored nowhere — not in the
database, the logs, the traces, nor any Kafka message, header or dead letter — and the follow-up
code, and only it, lets the submitter read the status and answer the revisit."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.analytics.main import create_app as create_analytics
from services.intake.main import create_app as create_intake
from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.events import Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import execute
from shared.messaging.topics import ensure_topics
from shared.service.auth import TokenEntry, TokenRegistry
from shared.service.logging import JsonFormatter
from shared.settings import Settings
from tests.builders import accept, agent, assign, progress, resolve, schedule_revisit
from tests.integration.messaging.conftest import TopicReader
from tests.integration.privacy.test_erasure import every_row_as_text
from tests.support.auth import test_token_entries
from tests.support.running import eventually, running
from tests.support.spans import recording_spans

pytestmark = pytest.mark.integration

PORTAL_TOKEN = "employee-portal-session-4f1c9a7e2b"
# the employee's own session on the employee platform: its subject is the employee's identity
SUBJECT = "employee-platform:wang-xiaoming-E77341"
NAME, EMPLOYEE_ID, CLIENT_IP = "王小明", "E77341", "10.77.66.55"
IDENTITY = (SUBJECT, "wang-xiaoming", NAME, EMPLOYEE_ID, CLIENT_IP, PORTAL_TOKEN)

COMPLAINT: dict[str, Any] = {
    "channel": "employee_platform",
    "complainant_kind": "employee",
    "anonymous": True,
    "category": "pay_benefits",
    "subject": "加班费未按规定发放",
    "content": "十月份的加班费没有按规定发放，询问主管后没有答复。",
}


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter("test")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.formatter_.format(record))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """An in-memory exporter on a fresh global provider (as in the tracing test)."""
    with recording_spans() as exporter:
        yield exporter


def tokens() -> TokenRegistry:
    portal = TokenEntry(token=PORTAL_TOKEN, subject=SUBJECT, role=Role.CHANNEL)
    return TokenRegistry([*test_token_entries(), portal])


def span_text(exporter: InMemorySpanExporter) -> str:
    parts = []
    for span in exporter.get_finished_spans():
        parts.append(span.to_json())
    return "\n".join(parts)


async def kafka_text(settings: Settings) -> tuple[str, int]:
    """Every key, value and header of every message on every topic the services use."""
    parts, count = [], 0
    for topic in (
        settings.topic_intake,
        settings.topic_events,
        settings.topic_assignments,
        settings.topic_dead_letters,
    ):
        reader = TopicReader(settings, topic)
        await reader.start()
        try:
            for record in await reader.poll(1.5):
                if topic == settings.topic_intake and b'"portal-2"' in record.value:
                    continue  # what the channel itself wrongly published; the search is for ours
                count += 1
                parts.append(repr(record.key))
                parts.append(record.value.decode("utf-8", errors="replace"))
                parts.extend(f"{k}={v.decode('utf-8', errors='replace')}" for k, v in record.headers)
                if topic == settings.topic_dead_letters:  # the parked original, decoded
                    import base64

                    letter = json.loads(record.value)
                    parts.append(base64.b64decode(letter["original_value_base64"]).decode("utf-8", "replace"))
        finally:
            await reader.stop()
    return "\n".join(parts), count


def leaks(text: str) -> list[str]:
    return [secret for secret in IDENTITY if secret in text]


async def test_an_anonymous_complaint_keeps_no_identity_anywhere(
    settings: Settings, spans: InMemorySpanExporter
) -> None:
    await ensure_topics(settings)
    intake_app = create_intake(settings, tokens=tokens())
    analytics_app = create_analytics(settings, tokens=tokens())
    captured = Captured()
    root = logging.getLogger()
    async with running(intake_app) as intake, running(analytics_app) as analytics:
        root.addHandler(captured)
        level = root.level
        root.setLevel(logging.DEBUG)
        try:
            employee = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=intake_app, client=(CLIENT_IP, 50123)),
                base_url="http://service",
                headers={
                    "Authorization": f"Bearer {PORTAL_TOKEN}",
                    "X-Forwarded-For": CLIENT_IP,
                    "User-Agent": f"employee-portal/{SUBJECT}",
                },
            )
            async with employee:
                # giving one's name by mistake is refused, and the refusal keeps nothing either
                mistaken = {**COMPLAINT, "complainant": {"name": NAME, "employee_id": EMPLOYEE_ID}}
                refused = await employee.post("/v1/complaints", json=mistaken)
                assert refused.status_code == 422 and not leaks(refused.text)

                # an Idempotency-Key would tie the token to the complaint: it is ignored
                answer = await employee.post(
                    "/v1/complaints", json=COMPLAINT, headers={"Idempotency-Key": f"{SUBJECT}-1"}
                )
                assert answer.status_code == 202, answer.text
                body = answer.json()
                number, code = body["complaint_no"], body["follow_up_code"]
                assert len(code.replace("-", "")) == 20

                # the code, and only the code, opens the status (no bearer token needed)
                wrong = await intake.post(
                    "/v1/follow-up/status", json={"complaint_no": number, "code": "X" * 20}
                )
                unknown = await intake.post(
                    "/v1/follow-up/status", json={"complaint_no": "TS-19990101-000001", "code": code}
                )
                assert wrong.status_code == unknown.status_code == 404
                assert wrong.json() == unknown.json()  # does not tell whether the number exists
                status = await intake.post(
                    "/v1/follow-up/status", json={"complaint_no": number, "code": code}
                )
                assert status.status_code == 200, status.text
                assert status.json()["status"] == "received" and status.json()["revisit_open"] is False

            # the department works it (never learning who complained), then the revisit is due
            engine = create_engine(settings.database_url, pool_size=1)
            try:
                store, clock = PostgresEventStore(engine), SystemClock()
                hr = agent("hr")
                for command in (
                    assign("hr"),
                    accept(by=hr),
                    progress(by=hr),
                    resolve(by=hr),
                    schedule_revisit(),
                ):
                    outcome = await execute(store, number, command, clock=clock)
                    assert outcome.rejection is None, outcome.rejection
            finally:
                await engine.dispose()

            status = await intake.post(
                "/v1/follow-up/status", json={"complaint_no": number, "code": code.lower()}
            )
            assert status.json()["revisit_open"] is True
            assert status.json()["resolution"] == "更换进水管并补偿"
            feedback = {"complaint_no": number, "code": code, "satisfied": True, "score": 4}
            assert (
                await intake.post("/v1/follow-up/feedback", json={**feedback, "code": "Y" * 20})
            ).status_code == 404
            answered = await intake.post("/v1/follow-up/feedback", json=feedback)
            assert answered.status_code == 200, answered.text
            assert answered.json()["status"] == "closed"

            # guessing is rate-limited per number
            guesses = [
                (
                    await intake.post(
                        "/v1/follow-up/status",
                        json={"complaint_no": "TS-19990101-000002", "code": f"GUESS{i}"},
                    )
                ).status_code
                for i in range(7)
            ]
            assert guesses[:5] == [404] * 5 and guesses[-1] == 429

            # a channel's anonymous submission on Kafka, and one the policy refuses (a dead letter)
            producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
            await producer.start()
            try:
                mistaken_on_kafka = {"complainant": {"name": NAME, "employee_id": EMPLOYEE_ID}}
                for n, extra in enumerate(({}, {"grade": "level_3"}, mistaken_on_kafka)):
                    message = {
                        **COMPLAINT,
                        **extra,
                        "submission_id": f"portal-{n}",
                        "channel_id": "employee-platform",
                    }
                    await producer.send_and_wait(
                        settings.topic_intake, json.dumps(message).encode(), key=b"employee-platform"
                    )
            finally:
                await producer.stop()

            async def read_models_done() -> bool:
                response = await analytics.get(
                    "/v1/complaints",
                    headers={"Authorization": "Bearer " + "test-token-supervisor-all-0123456789"},
                )
                items = response.json()["items"]
                mine = [item for item in items if item["complaint_no"] == number]
                return len(items) >= 2 and bool(mine) and mine[0]["status"] == "closed"

            await eventually(read_models_done, timeout=30, what="both anonymous complaints in the read model")
            await eventually(
                lambda: _dead_letters(settings),
                timeout=30,
                what="the refused Kafka submissions' dead letters",
            )
            view = await analytics.get(
                f"/v1/complaints/{number}",
                headers={"Authorization": "Bearer test-token-supervisor-all-0123456789"},
            )
            assert view.json()["complaint"]["complainant"]["status"] == "anonymous"
            assert not leaks(view.text)
        finally:
            root.removeHandler(captured)
            root.setLevel(level)

    stored = await every_row_as_text(settings)
    assert number in stored and "anonymous" in stored  # the search does see the complaint
    assert not leaks(stored), "identity in the database"
    assert captured.lines and not leaks("\n".join(captured.lines)), "identity in the logs"
    traced = span_text(spans)
    assert "POST /v1/complaints" in traced and not leaks(traced), "identity in the traces"
    on_kafka, count = await kafka_text(settings)
    assert count >= 6 and number in on_kafka
    assert not leaks(on_kafka), "identity on Kafka"


async def _dead_letters(settings: Settings) -> bool:
    reader = TopicReader(settings, settings.topic_dead_letters)
    await reader.start()
    try:
        return len(await reader.poll(0.5)) >= 2
    finally:
        await reader.stop()
