"""GET /v1/complaints: newest received first, filtered by status, department, channel, category, paged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from shared.complaints import Category, Channel, Status
from tests.builders import at
from tests.integration.analytics.conftest import Analytics, history_to, new_number
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

DEPARTMENTS = ("quality", "after_sales", "logistics")
STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN)
CHANNELS = (Channel.HOTLINE, Channel.EMAIL)
CATEGORIES = (Category.PRODUCT_QUALITY, Category.DELIVERY, Category.BILLING, Category.OTHER)
UNASSIGNED = {Status.RECEIVED, Status.WITHDRAWN}  # their paths never dispatch


@dataclass(frozen=True)
class Made:
    no: str
    status: Status
    department: str | None
    channel: Channel
    category: Category


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def made(analytics: Analytics) -> list[Made]:
    """25 complaints, received an hour apart; the list's order is the reverse."""
    prefix = new_number()
    complaints = []
    for i in range(25):
        status, department = STATUSES[i % 5], DEPARTMENTS[i % 3]
        m = Made(
            f"{prefix}-{i:02d}",
            status,
            None if status in UNASSIGNED else department,
            CHANNELS[i % 2],
            CATEGORIES[i % 4],
        )
        history = history_to(
            status, m.no, department, channel=m.channel, category=m.category, received_at=at(hours=i)
        )
        complaints.append((m, await analytics.put(m.no, history)))
    await analytics.projected({m.no: version for m, version in complaints})
    return [m for m, _ in complaints]


def newest_first(complaints: list[Made]) -> list[str]:
    return [m.no for m in reversed(complaints)]


async def listing(analytics: Analytics, query: str) -> dict[str, Any]:
    response = await analytics.client.get(f"/v1/complaints?{query}", headers=bearer("supervisor"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_all_complaints_newest_first(analytics: Analytics, made: list[Made]) -> None:
    body = await listing(analytics, "page_size=100")
    assert body["total"] == 25 and (body["page"], body["page_size"]) == (1, 100)
    assert [item["complaint_no"] for item in body["items"]] == newest_first(made)
    first = body["items"][0]
    assert first["labels"]["channel"]["zh-CN"] in {"客服热线", "电子邮件"}
    assert first["received_at"]["utc"] == "2026-01-06T01:00:00Z"


async def test_pages_partition_the_list(analytics: Analytics, made: list[Made]) -> None:
    pages = [await listing(analytics, f"page={page}&page_size=10") for page in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [10, 10, 5, 0]
    assert {p["total"] for p in pages} == {25}
    assert [item["complaint_no"] for p in pages for item in p["items"]] == newest_first(made)
    default = await listing(analytics, "")
    assert (default["page"], default["page_size"], len(default["items"])) == (1, 20, 20)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("status=closed", lambda m: m.status is Status.CLOSED),
        ("status=closed&status=withdrawn", lambda m: m.status in {Status.CLOSED, Status.WITHDRAWN}),
        ("department=quality", lambda m: m.department == "quality"),
        (
            "department=quality&channel=email",
            lambda m: m.department == "quality" and m.channel is Channel.EMAIL,
        ),
        ("category=delivery", lambda m: m.category is Category.DELIVERY),
        (
            "status=in_progress&status=assigned&category=billing&category=other",
            lambda m: (
                m.status in {Status.IN_PROGRESS, Status.ASSIGNED}
                and m.category in {Category.BILLING, Category.OTHER}
            ),
        ),
        ("department=finance", lambda m: False),
    ],
)
async def test_filters(
    analytics: Analytics, made: list[Made], query: str, keep: Callable[[Made], bool]
) -> None:
    expected = newest_first([m for m in made if keep(m)])
    body = await listing(analytics, f"{query}&page_size=100")
    assert [item["complaint_no"] for item in body["items"]] == expected
    assert body["total"] == len(expected)


async def test_filters_and_pages_combine(analytics: Analytics, made: list[Made]) -> None:
    expected = newest_first([m for m in made if m.channel is Channel.HOTLINE])
    second = await listing(analytics, "channel=hotline&page=2&page_size=5")
    assert second["total"] == len(expected) == 13
    assert [item["complaint_no"] for item in second["items"]] == expected[5:10]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "query.status.0"),
        ("channel=pigeon", "query.channel.0"),
        ("page=0", "query.page"),
        ("page_size=101", "query.page_size"),
        ("page_size=abc", "query.page_size"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(analytics: Analytics, query: str, field: str) -> None:
    response = await analytics.client.get(f"/v1/complaints?{query}", headers=bearer("supervisor"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert [e["field"] for e in body["errors"]] == [field]


async def test_received_between_local_days(analytics: Analytics, made: list[Made]) -> None:
    # received from 09:00 on 5 January (Shanghai) an hour apart: fifteen that day, ten the next
    second_day = await listing(analytics, "from=2026-01-06&to=2026-01-06&page_size=100")
    assert [item["complaint_no"] for item in second_day["items"]] == newest_first(made)[:10]
    first_day = await listing(analytics, "to=2026-01-05&page_size=100")
    assert [item["complaint_no"] for item in first_day["items"]] == newest_first(made)[10:]
    backwards = await analytics.client.get(
        "/v1/complaints?from=2026-01-06&to=2026-01-05", headers=bearer("supervisor")
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"] == "invalid_range" and backwards.json()["message_zh"]
