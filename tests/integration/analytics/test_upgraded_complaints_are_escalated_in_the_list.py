"""An upgraded complaint (升级投诉) is escalated from its start: the complaint list and its view
flag it escalated and name the complaint it was upgraded from, though it never climbed a level."""

from __future__ import annotations

import pytest

from shared.complaints import Status
from tests.builders import link_upgraded
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_the_list_flags_an_upgraded_complaint_escalated(analytics: Analytics) -> None:
    original, upgraded, plain = (new_number() for _ in range(3))
    stories = {
        original: history_to(Status.CLOSED, original),
        upgraded: then(history_to(Status.RECEIVED, upgraded), link_upgraded(original)),
        plain: history_to(Status.RECEIVED, plain),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    listed = await analytics.client.get(
        "/v1/complaints", params={"page_size": 100}, headers=bearer("operator")
    )
    assert listed.status_code == 200, listed.text
    items = {item["complaint_no"]: item for item in listed.json()["items"]}
    assert "escalated" in items[upgraded]["flags"] and items[upgraded]["escalation_level"] == 0
    assert items[upgraded]["upgraded_from"] == original
    assert "escalated" not in items[plain]["flags"] and items[plain]["upgraded_from"] is None

    view = await analytics.client.get(f"/v1/complaints/{upgraded}", headers=bearer("operator"))
    assert view.json()["complaint"]["upgraded_from"] == original
