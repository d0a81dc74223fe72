"""GET /v1/problems and /v1/repeats: the month's category × product problems with the change
against the month before, repeat complaints (same product and category again; reopened)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.complaints import Category, Status
from tests.integration.analytics.conftest import Analytics, new_number
from tests.integration.analytics.insight_histories import history_at
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

JAN = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
DEC = datetime(2025, 12, 10, 2, 0, tzinfo=UTC)


async def test_the_months_problems_repeats_and_reopened_complaints(analytics: Analytics) -> None:
    quality = Category.PRODUCT_QUALITY
    reopened_no = new_number()
    stories = [
        (new_number(), Status.CLOSED, JAN, "quality", {"category": quality, "product_refs": ["WM-100"]}),
        (
            new_number(),
            Status.RECEIVED,
            JAN,
            "quality",
            {"category": quality, "product_refs": ["WM-100", "WM-9"]},
        ),
        (
            new_number(),
            Status.ASSIGNED,
            JAN,
            "after_sales",
            {"category": quality, "product_refs": ["WM-100"]},
        ),
        (new_number(), Status.RECEIVED, JAN, "quality", {"category": quality, "product_refs": ["WM-200"]}),
        (new_number(), Status.RECEIVED, DEC, "quality", {"category": quality, "product_refs": ["WM-100"]}),
        (new_number(), Status.RECEIVED, JAN, "quality", {"subject": "  配送延迟 ", "product_refs": []}),
        (
            new_number(),
            Status.CLOSED_NOT_COMPLAINT,
            JAN,
            "quality",
            {"category": quality, "product_refs": ["WM-200"]},
        ),
        (reopened_no, Status.REOPENED, JAN, "quality", {"category": quality, "product_refs": ["WM-300"]}),
    ]
    expected = {}
    for no, status, when, department, fields in stories:
        expected[no] = await analytics.put(no, history_at(status, no, when, department, **fields))
    await analytics.projected(expected)

    response = await analytics.client.get("/v1/problems?month=2026-01", headers=bearer("supervisor"))
    assert response.status_code == 200, response.text
    items = {(i["category"], i["kind"], i["key"]): i for i in response.json()["items"]}
    wm100 = items[("product_quality", "product", "WM-100")]
    assert (wm100["count"], wm100["previous"], wm100["change"], wm100["change_pct"]) == (3, 1, 2, 200.0)
    assert response.json()["items"][0]["key"] == "WM-100"
    assert items[("product_quality", "product", "WM-200")]["count"] == 1  # not-a-complaint not counted
    assert items[("product_quality", "product", "WM-200")]["change_pct"] is None
    assert any(kind == "subject" and key == "配送延迟" for (_c, kind, key) in items)

    repeats = (await analytics.client.get("/v1/repeats?month=2026-01", headers=bearer("operator"))).json()
    assert [(r["key"], r["count"]) for r in repeats["product_repeats"]] == [("WM-100", 3)]
    assert [r["complaint_no"] for r in repeats["reopened"]] == [reopened_no]
    assert repeats["reopened"][0]["reopened_in_month"] == 1
    # every story's complainant is the builders' default person: one pseudonym, the month's six
    # complaints (not December's, not the one closed as not a complaint)
    january = {
        no for no, status, when, *_ in stories if when == JAN and status is not Status.CLOSED_NOT_COMPLAINT
    }
    [person] = repeats["complainant_repeats"]
    assert (person["count"], set(person["complaint_nos"])) == (6, january)
    assert person["complainant"] == "C-" + person["complainant_id"][:8]

    agent = (
        await analytics.client.get("/v1/problems?month=2026-01", headers=bearer("agent", "after_sales"))
    ).json()
    assert agent["department_scope"] == "after_sales"
    assert [(i["key"], i["count"]) for i in agent["items"]] == [("WM-100", 1)]

    bad = await analytics.client.get("/v1/problems?month=2026-13", headers=bearer("supervisor"))
    assert bad.status_code == 422
