"""Over HTTP, on the real PostgreSQL and broker, with the routing service's clock in hand: the
department objects to its assignment the same working day and a supervisor upholds it (to a named
department or by the rules: the new department has it) or rejects it (the department keeps it);
the next working day the objection is refused with its reason (409)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from services.routing.main import create_app
from shared.clock import FakeClock
from shared.complaints.values import Category
from shared.messaging.topics import ensure_topics
from tests.integration.routing.conftest import Routing
from tests.support import auth
from tests.support.running import running
from tests.support.settings import settings_for

pytestmark = pytest.mark.integration

WEDNESDAY_10 = datetime(2026, 1, 7, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
OBJECTION = {"reason": "投诉涉及物流配送，不属于质量部职责。"}
CLOCK = FakeClock(WEDNESDAY_10)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def routing(new_database, kafka_backend) -> AsyncIterator[Routing]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, clock=CLOCK, tokens=auth.test_tokens())
    async with running(app) as client:
        yield Routing(client, settings, app.state.runtime)


async def objected(routing: Routing) -> tuple[str, str]:
    """A product-quality complaint assigned on Wednesday at 10:00, objected to at 11:00."""
    CLOCK.set(WEDNESDAY_10)
    complaint_no, department = await routing.assigned(category=Category.PRODUCT_QUALITY)
    CLOCK.set(WEDNESDAY_10 + timedelta(hours=1))
    response = await routing.act(complaint_no, "objection", OBJECTION, department=department)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["AssignmentObjected"]
    return complaint_no, department


async def test_upheld_to_a_named_department_which_then_has_it(routing: Routing) -> None:
    complaint_no, department = await objected(routing)

    decided = await routing.act(
        complaint_no,
        "objection/decision",
        {"uphold": True, "reason": "属物流问题", "to_department": "logistics"},
        role="supervisor",
    )

    assert decided.status_code == 200, decided.text
    assert decided.json()["events"] == ["ObjectionUpheld", "ComplaintTransferred"]
    assert decided.json()["department"] == "logistics" != department
    item = await routing.listed("logistics", complaint_no, decided.json()["stream_version"])
    assert item["status"] == "transferred"
    accepted = await routing.act(complaint_no, "accept", department="logistics")
    assert accepted.status_code == 200, accepted.text


async def test_upheld_by_the_rules_goes_to_another_department(routing: Routing) -> None:
    complaint_no, department = await objected(routing)

    decided = await routing.act(
        complaint_no, "objection/decision", {"uphold": True, "reason": "改按规则派单"}, role="supervisor"
    )

    assert decided.status_code == 200, decided.text
    assert decided.json()["department"] == "customer_service" != department  # the rules' default
    upheld = (await routing.stream(complaint_no))[-2]
    assert (upheld.type, upheld.payload["rule"]) == ("ObjectionUpheld", "default")


async def test_rejected_the_department_keeps_it(routing: Routing) -> None:
    complaint_no, department = await objected(routing)

    decided = await routing.act(
        complaint_no, "objection/decision", {"uphold": False, "reason": "属产品质量问题"}, role="supervisor"
    )

    assert decided.status_code == 200, decided.text
    assert (decided.json()["events"], decided.json()["department"]) == (["ObjectionRejected"], department)
    accepted = await routing.act(complaint_no, "accept", department=department)
    assert accepted.status_code == 200, accepted.text


async def test_the_next_working_day_too_late_409_with_the_reason(routing: Routing) -> None:
    CLOCK.set(WEDNESDAY_10)
    complaint_no, department = await routing.assigned(category=Category.PRODUCT_QUALITY)
    CLOCK.set(WEDNESDAY_10 + timedelta(days=1))

    response = await routing.act(complaint_no, "objection", OBJECTION, department=department)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "objection_too_late"
    assert "end of the working day" in body["message"] and "工作日" in body["message_zh"]


async def test_only_a_supervisor_decides_and_only_a_pending_objection(routing: Routing) -> None:
    complaint_no, department = await objected(routing)
    decision = {"uphold": False, "reason": "不同意"}

    by_agent = await routing.act(complaint_no, "objection/decision", decision, department=department)
    first = await routing.act(complaint_no, "objection/decision", decision, role="supervisor")
    again = await routing.act(complaint_no, "objection/decision", decision, role="supervisor")
    unknown = await routing.act(
        complaint_no,
        "objection/decision",
        {**decision, "uphold": True, "to_department": "nowhere"},
        role="supervisor",
    )

    assert by_agent.status_code == 403
    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()["error"]) == (409, "no_objection_pending")
    assert unknown.status_code == 422
