"""The supervisor's objection desk: GET /v1/objections lists a department's objection to its
assignment until a supervisor decides it, with the reason read from the store; other roles are
refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.complaints import Status
from tests.builders import T0, decide_objection, object_to_assignment
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_waiting_until_a_supervisor_decides(analytics: Analytics) -> None:
    waiting, upheld, rejected, plain = (new_number() for _ in range(4))
    later = T0 + timedelta(hours=3)
    objected = object_to_assignment(when=later, reason="属物流配送问题")
    stories = {
        waiting: then(history_to(Status.ACCEPTED, waiting), objected),
        upheld: then(history_to(Status.ACCEPTED, upheld), objected, decide_objection(True, when=later)),
        rejected: then(history_to(Status.ASSIGNED, rejected), objected, decide_objection(False, when=later)),
        plain: history_to(Status.ACCEPTED, plain),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    supervisor = await analytics.client.get("/v1/objections", headers=bearer("supervisor"))

    assert supervisor.status_code == 200, supervisor.text
    items = {i["complaint_no"]: i for i in supervisor.json()["items"]}
    assert waiting in items and not {upheld, rejected, plain} & set(items)
    mine = items[waiting]
    assert (mine["reason"], mine["objected_by"]) == ("属物流配送问题", "agent-1")
    assert mine["department"] == "quality"
    assert mine["department_label"]["zh-CN"] == "质量部"
    for role in ("agent", "operator", "director"):
        refused = await analytics.client.get(
            "/v1/objections", headers=bearer(role, "quality" if role == "agent" else None)
        )
        assert refused.status_code == 403, role
