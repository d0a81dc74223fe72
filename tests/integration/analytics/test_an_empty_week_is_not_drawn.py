"""A week in which no complaint was closed has nothing to sample: drawing it is refused (422
`nothing_closed`, in both languages) and nothing is recorded, so the week can still be drawn once
closures are recorded for it (a week's sample is drawn only once)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.complaints import Status
from tests.integration.analytics.conftest import Analytics, new_number
from tests.integration.analytics.insight_histories import history_at
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

WEEK = "2026-W05"  # Monday 26 January 2026


async def test_an_empty_week_is_refused_and_can_be_drawn_later(analytics: Analytics) -> None:
    client = analytics.client
    refused = await client.post(f"/v1/inspections/{WEEK}/draw", json={"seed": 3}, headers=bearer("operator"))
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "nothing_closed" and WEEK in body["message"] and WEEK in body["message_zh"]
    assert await analytics.store.read_stream(f"inspection-{WEEK}") == []

    no = new_number()
    await analytics.projected(
        {no: await analytics.put(no, history_at(Status.CLOSED, no, datetime(2026, 1, 27, 2, tzinfo=UTC)))}
    )
    drawn = await client.post(f"/v1/inspections/{WEEK}/draw", json={"seed": 3}, headers=bearer("operator"))
    assert drawn.status_code == 201, drawn.text
    assert [item["complaint_no"] for item in drawn.json()["items"]] == [no]
