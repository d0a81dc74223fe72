"""The loop (闭环) across routing and feedback: received → assigned → accepted → resolved → revisit;
dissatisfied → reopened, back in the department's assignments → resolved again → a new revisit;
satisfied → closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.feedback.main import create_app as create_feedback
from services.routing.main import create_app as create_routing
from shared.clock import FakeClock
from shared.complaints.values import Category
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import as_new, new_complaint_no, received
from tests.integration.feedback.conftest import NOW
from tests.support import auth
from tests.support.auth import bearer
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = pytest.mark.integration


@dataclass
class Services:
    routing: httpx.AsyncClient
    feedback: httpx.AsyncClient
    store: PostgresEventStore


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def services(new_database, kafka_backend) -> AsyncIterator[Services]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(NOW)
    routing = create_routing(settings, clock=clock, tokens=auth.test_tokens())
    feedback = create_feedback(settings, clock=clock, tokens=auth.test_tokens())
    async with running(routing) as routing_client, running(feedback) as feedback_client:
        yield Services(routing_client, feedback_client, feedback.state.runtime.store)


async def types(services: Services, complaint_no: str) -> list[str]:
    return [e.type for e in await services.store.read_stream(complaint_no)]


async def listed(services: Services, complaint_no: str, status: str) -> dict[str, Any] | None:
    page = await services.routing.get(
        "/v1/departments/quality/assignments", params={"status": status}, headers=bearer("agent", "quality")
    )
    return next((i for i in page.json()["items"] if i["complaint_no"] == complaint_no), None)


async def revisit(services: Services, complaint_no: str, status: str) -> dict[str, Any] | None:
    page = await services.feedback.get(
        "/v1/revisits", params={"status": status}, headers=bearer("agent", "customer_service")
    )
    return next((i for i in page.json()["items"] if i["complaint_no"] == complaint_no), None)


async def test_dissatisfied_goes_back_until_satisfied(services: Services) -> None:
    complaint_no = new_complaint_no()
    await services.store.append(
        complaint_no,
        NO_STREAM,
        [as_new(received(complaint_no=complaint_no, category=Category.PRODUCT_QUALITY))],
    )
    await eventually(lambda: listed(services, complaint_no, "assigned"), what="assigned to quality")
    quality = bearer("agent", "quality")

    async def work(action: str, body: dict[str, Any]) -> httpx.Response:
        return await services.routing.post(
            f"/v1/complaints/{complaint_no}/{action}", json=body, headers=quality
        )

    assert (await work("accept", {})).status_code == 200
    assert (await work("resolve", {"resolution": "已更换进水管"})).status_code == 200
    await eventually(lambda: revisit(services, complaint_no, "pending"), what="revisit scheduled")

    dissatisfied = await services.feedback.post(
        f"/v1/complaints/{complaint_no}/feedback",
        json={"satisfied": False, "score": 2, "comment": "仍然漏水"},
        headers=bearer("agent", "customer_service"),
    )

    assert dissatisfied.status_code == 200, dissatisfied.text
    assert dissatisfied.json()["status"] == "reopened"
    assert dissatisfied.json()["department"] == "quality"
    assert dissatisfied.json()["events"] == ["FeedbackReceived", "ComplaintReopened"]
    item = await eventually(lambda: listed(services, complaint_no, "reopened"), what="back in quality's list")
    assert (item["reopened"], item["reopen_count"]) == (True, 1)
    done = await eventually(lambda: revisit(services, complaint_no, "done"), what="revisit done")
    assert (done["outcome"], done["score"]) == ("dissatisfied", 2)

    assert (await work("resolve", {"resolution": "更换整机"})).status_code == 200
    second = await eventually(lambda: revisit(services, complaint_no, "pending"), what="second revisit")
    assert second["rounds"] == 2

    satisfied = await services.feedback.post(
        f"/v1/complaints/{complaint_no}/feedback",
        json={"satisfied": True, "score": 5},
        headers=bearer("supervisor"),
    )

    assert satisfied.status_code == 200 and satisfied.json()["status"] == "closed"
    assert await types(services, complaint_no) == [
        "ComplaintReceived",
        "ComplaintAssigned",
        "ComplaintAccepted",
        "ComplaintResolved",
        "RevisitScheduled",
        "FeedbackReceived",
        "ComplaintReopened",
        "ComplaintResolved",
        "RevisitScheduled",
        "FeedbackReceived",
        "ComplaintClosed",
    ]
    closed = await eventually(
        lambda: listed(services, complaint_no, "closed"), what="closed in quality's list"
    )
    assert closed["reopened"] is True
