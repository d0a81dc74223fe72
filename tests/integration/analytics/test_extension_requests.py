"""The extensions waiting for a supervisor: GET /v1/extension-requests lists a request until it is
approved or declined; the reason (typed by people) is read from the store for the roles that
decide, never kept in the read model, and withheld from operators."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.complaints import SlaStage, Status
from tests.builders import T0, agent, approve_extension, decline_extension, request_extension
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_pending_requests_until_decided(analytics: Analytics) -> None:
    asked, approved, declined, elsewhere = (new_number() for _ in range(4))
    later = T0 + timedelta(hours=30)
    stories = {
        asked: then(history_to(Status.ACCEPTED, asked), request_extension(when=later)),
        approved: then(
            history_to(Status.ACCEPTED, approved),
            request_extension(when=later),
            approve_extension(when=later + timedelta(hours=1)),
        ),
        declined: then(
            history_to(Status.ACCEPTED, declined),
            request_extension(when=later),
            decline_extension(when=later + timedelta(hours=1)),
        ),
        elsewhere: then(
            history_to(Status.ACCEPTED, elsewhere, "after_sales"),
            request_extension(by=agent("after_sales"), when=later, stage=SlaStage.INITIAL_PLAN),
        ),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    supervisor = await analytics.client.get("/v1/extension-requests", headers=bearer("supervisor"))
    assert supervisor.status_code == 200, supervisor.text
    items = {i["complaint_no"]: i for i in supervisor.json()["items"]}
    assert set(items) == {asked, elsewhere}
    mine = items[asked]
    assert (mine["stage"], mine["extension"], mine["consent_via"]) == ("resolution", "P2D", "phone")
    assert mine["stage_label"] == {"zh-CN": "处理完成", "en": "Resolution"}
    assert mine["extension_label"] == {"zh-CN": "2 天", "en": "2 days"}
    assert mine["consent_via_label"] == {"zh-CN": "电话", "en": "Phone"}
    assert mine["reason"] == "等待供应商检测报告"
    assert mine["requested_by"] == "agent-1"
    assert mine["department_label"]["zh-CN"] == "质量部"

    operator = (await analytics.client.get("/v1/extension-requests", headers=bearer("operator"))).json()
    assert {i["complaint_no"]: i["reason"] for i in operator["items"]} == {asked: None, elsewhere: None}
    agent_view = await analytics.client.get("/v1/extension-requests", headers=bearer("agent", "after_sales"))
    assert [i["complaint_no"] for i in agent_view.json()["items"]] == [elsewhere]
    only = await analytics.client.get(
        "/v1/extension-requests", params={"department": "quality"}, headers=bearer("supervisor")
    )
    assert asked in [i["complaint_no"] for i in only.json()["items"]]
    assert elsewhere not in [i["complaint_no"] for i in only.json()["items"]]
    assert (
        await analytics.client.get("/v1/extension-requests", headers=bearer("channel"))
    ).status_code == 403
