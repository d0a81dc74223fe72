"""Over HTTP and Kafka, on the real PostgreSQL and broker: the lead department asks two others to
co-operate (协同); each finds it in its own feed and on the assignments topic under its own key,
signs for it and contributes; the lead cannot answer before, and sees every contribution, while a
co-operating department sees only its own."""

from __future__ import annotations

from typing import Any

import pytest

from shared.complaints.values import Category
from tests.integration.routing.conftest import ALL_STATUSES, Routing
from tests.integration.routing.test_departments_follow_assignments_on_kafka import follow
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def feed(routing: Routing, department: str, complaint_no: str) -> dict[str, Any]:
    """The complaint's item in the department's own feed, read by one of its agents."""
    response = await routing.client.get(
        f"/v1/departments/{department}/assignments",
        params={"status": ALL_STATUSES, "page_size": 200},
        headers=bearer("agent", department),
    )
    assert response.status_code == 200, response.text
    return next(i for i in response.json()["items"] if i["complaint_no"] == complaint_no)


async def cooperations(routing: Routing, complaint_no: str, role: str, department: str | None) -> Any:
    return await routing.client.get(
        f"/v1/complaints/{complaint_no}/cooperations", params={"lang": "en"}, headers=bearer(role, department)
    )


async def test_the_lead_answers_once_both_cooperating_departments_contributed(routing: Routing) -> None:
    complaint_no, lead = await routing.assigned(category=Category.PRODUCT_QUALITY)
    assert lead == "quality"
    assert (await routing.act(complaint_no, "accept")).status_code == 200
    asked = await routing.act(
        complaint_no, "cooperation", {"departments": ["logistics", "after_sales"], "note": "请核实"}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["events"] == ["CooperationRequested", "CooperationRequested"]

    item = await routing.listed("logistics", complaint_no, asked.json()["stream_version"])
    assert (item["role"], item["lead_department"]) == ("cooperating", "quality")
    assert [(c["department"], c["status"]) for c in item["cooperations"]] == [("logistics", "requested")]
    assert (await feed(routing, "quality", complaint_no))["role"] == "lead"

    early = await routing.act(complaint_no, "resolve", {"resolution": "已处理"})
    assert (early.status_code, early.json()["error"]) == (409, "contributions_missing")
    assert "物流部" in early.json()["message_zh"]
    not_theirs = await routing.act(complaint_no, "resolve", {"resolution": "x"}, department="logistics")
    assert (not_theirs.status_code, not_theirs.json()["error"]) == (409, "not_owner")

    for department, text in (("logistics", "包装破损于运输途中"), ("after_sales", "已安排上门")):
        signed = await routing.act(complaint_no, "cooperation/accept", department=department)
        assert signed.status_code == 200, signed.text
        given = await routing.act(
            complaint_no, "cooperation/contribution", {"contribution": text}, department=department
        )
        assert given.json()["events"] == ["ContributionRecorded"], given.text

    theirs = (await cooperations(routing, complaint_no, "agent", "logistics")).json()
    assert theirs["role"] == "cooperating"
    assert [(c["department"], c["contribution"]) for c in theirs["cooperations"]] == [
        ("logistics", "包装破损于运输途中")
    ]
    leads = (await cooperations(routing, complaint_no, "agent", "quality")).json()
    assert {c["department"]: c["contribution"] for c in leads["cooperations"]} == {
        "logistics": "包装破损于运输途中",
        "after_sales": "已安排上门",
    }
    assert (await cooperations(routing, complaint_no, "agent", "hr")).status_code == 404

    resolved = await routing.act(complaint_no, "resolve", {"resolution": "已更换并补偿"})
    assert resolved.status_code == 200, resolved.text

    on_kafka = await follow(routing, "after_sales", wanted=1)
    assert ("CooperationRequested", complaint_no) in [(e["type"], e["stream_id"]) for e in on_kafka]


async def test_a_supervisor_overrides_the_missing_contribution_with_a_reason(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    await routing.act(complaint_no, "accept")
    await routing.act(complaint_no, "cooperation", {"departments": ["finance"]}, role="supervisor")

    waived = await routing.act(
        complaint_no,
        "resolve",
        {"resolution": "已补偿", "override_reason": "财务部逾期未回复"},
        role="supervisor",
    )

    assert waived.status_code == 200, waived.text
    assert waived.json()["events"] == ["ContributionsWaived", "ComplaintResolved"]
    unknown = await routing.act(complaint_no, "cooperation", {"departments": ["nowhere"]})
    assert unknown.status_code == 422
