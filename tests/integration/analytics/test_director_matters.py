"""The director's list: GET /v1/director/matters lists a report beyond authority until the
director's instruction; the reason is read from the store for the director and supervisors,
withheld from operators; other roles are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.complaints import Status
from tests.builders import T0, director_instruction, report_beyond_authority
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_waiting_until_the_director_answers(analytics: Analytics) -> None:
    waiting, answered, plain = (new_number() for _ in range(3))
    later = T0 + timedelta(hours=3)
    stories = {
        waiting: then(history_to(Status.ACCEPTED, waiting), report_beyond_authority(when=later)),
        answered: then(
            history_to(Status.ACCEPTED, answered),
            report_beyond_authority(when=later),
            director_instruction(when=later + timedelta(hours=1)),
        ),
        plain: history_to(Status.ACCEPTED, plain),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    director = await analytics.client.get("/v1/director/matters", headers=bearer("director"))
    assert director.status_code == 200, director.text
    items = {i["complaint_no"]: i for i in director.json()["items"]}
    assert waiting in items and answered not in items and plain not in items
    mine = items[waiting]
    assert mine["reason"] == "refund above our limit"
    assert (mine["reported_by"], mine["department"]) == ("agent-1", "quality")
    assert mine["department_label"]["zh-CN"] == "质量部"

    operator = (await analytics.client.get("/v1/director/matters", headers=bearer("operator"))).json()
    assert {i["complaint_no"]: i["reason"] for i in operator["items"]}[waiting] is None
    for role in ("agent", "channel", "auditor"):
        refused = await analytics.client.get(
            "/v1/director/matters", headers=bearer(role, "quality" if role == "agent" else None)
        )
        assert refused.status_code == 403, role
