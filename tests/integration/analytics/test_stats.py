"""GET /v1/stats: counts by status, channel, category, grade and department; backlog; SLA breaches."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from shared.complaints import Category, Channel, Grade, SlaStage, Status
from tests.builders import at, sla_breach, sla_warning
from tests.integration.analytics.conftest import Analytics, History, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def made(analytics: Analytics) -> None:
    """Seven complaints:

    quality      in_progress  hotline  product_quality  urgent   2 breaches, 1 warning
    quality      closed       hotline  product_quality  general
    quality      reopened     email    billing          general  1 breach
    after_sales  assigned     email    delivery         complex
    after_sales  transferred  web_form delivery         general
    (none)       received     app      other            general  1 breach
    (none)       closed_not_complaint  hotline  other   general
    """
    hotline, email = Channel.HOTLINE, Channel.EMAIL
    histories: list[History] = []

    def add(status: Status, department: str, channel: Channel, category: Category, grade: Grade) -> History:
        no = new_number()
        history = history_to(status, no, department, channel=channel, category=category, grade=grade)
        histories.append(history)
        return history

    first = add(Status.IN_PROGRESS, "quality", hotline, Category.PRODUCT_QUALITY, Grade.URGENT)
    histories[-1] = then(
        first,
        sla_warning(SlaStage.FIRST_RESPONSE, deadline=at(hours=1)),
        sla_breach(SlaStage.FIRST_RESPONSE, deadline=at(hours=2)),
        sla_breach(SlaStage.RESOLUTION, deadline=at(days=3)),
    )
    add(Status.CLOSED, "quality", hotline, Category.PRODUCT_QUALITY, Grade.GENERAL)
    third = add(Status.REOPENED, "quality", email, Category.BILLING, Grade.GENERAL)
    histories[-1] = then(third, sla_breach(SlaStage.RESOLUTION, deadline=at(days=3)))
    add(Status.ASSIGNED, "after_sales", email, Category.DELIVERY, Grade.COMPLEX)
    add(Status.TRANSFERRED, "after_sales", Channel.WEB_FORM, Category.DELIVERY, Grade.GENERAL)
    sixth = add(Status.RECEIVED, "quality", Channel.APP, Category.OTHER, Grade.GENERAL)
    histories[-1] = then(sixth, sla_breach(SlaStage.FIRST_RESPONSE, deadline=at(hours=2)))
    add(Status.CLOSED_NOT_COMPLAINT, "quality", hotline, Category.OTHER, Grade.GENERAL)

    versions = {}
    for history in histories:
        no = history[0][0].complaint_no  # type: ignore[attr-defined]
        versions[no] = await analytics.put(no, history)
    await analytics.projected(versions)


def counts(items: list[dict[str, Any]]) -> dict[str | None, int]:
    return {item["code"]: item["count"] for item in items if item["count"]}


async def test_the_numbers(analytics: Analytics, made: None) -> None:
    response = await analytics.client.get("/v1/stats", headers=bearer("operator"))
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["total"] == 7
    assert stats["open_backlog"] == 5
    assert stats["sla_breaches"] == 4
    assert stats["breached_complaints"] == 3
    assert counts(stats["by_status"]) == {
        "in_progress": 1,
        "closed": 1,
        "reopened": 1,
        "assigned": 1,
        "transferred": 1,
        "received": 1,
        "closed_not_complaint": 1,
    }
    assert counts(stats["by_channel"]) == {"hotline": 3, "email": 2, "web_form": 1, "app": 1}
    assert counts(stats["by_category"]) == {"product_quality": 2, "billing": 1, "delivery": 2, "other": 2}
    assert counts(stats["by_grade"]) == {"urgent": 1, "general": 5, "complex": 1}
    # the transferred one went from quality to after_sales (builders' path), both unassigned never dispatched
    assert [(d["code"], d["count"], d["open"]) for d in stats["by_department"]] == [
        ("quality", 3, 2),
        ("after_sales", 2, 2),
        (None, 2, 1),
    ]
    unassigned = stats["by_department"][-1]["label"]
    assert unassigned == {"zh-CN": "未派单", "en": "Unassigned"}
    assert [item["code"] for item in stats["by_status"]] == [s.value for s in Status]  # zeros listed too
    received = next(item for item in stats["by_status"] if item["code"] == "received")
    assert received["label"] == {"zh-CN": "已受理", "en": "Received"} and received["open"] == 1
