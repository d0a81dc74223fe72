"""Transfer (转派) moves a complaint to another department's list; that department must accept it."""

from __future__ import annotations

import pytest

from shared.complaints.values import Category
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration


async def test_transfer_moves_the_complaint_to_the_other_list(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    assert (await routing.act(complaint_no, "accept")).status_code == 200

    transferred = await routing.act(
        complaint_no, "transfer", {"to_department": "after_sales", "reason": "属售后安装问题"}
    )

    assert transferred.status_code == 200, transferred.text
    assert transferred.json() == {
        "complaint_no": complaint_no,
        "stream_version": 4,
        "status": "transferred",
        "department": "after_sales",
        "events": ["ComplaintTransferred"],
    }
    item = await routing.listed("after_sales", complaint_no, 4)
    assert (item["status"], item["agent"]) == ("transferred", None)
    quality = await routing.listing("quality", status=["transferred", "accepted"])
    assert complaint_no not in [i["complaint_no"] for i in quality["items"]]

    old_owner = await routing.act(complaint_no, "accept", department="quality")
    new_owner = await routing.act(complaint_no, "accept", department="after_sales")
    assert old_owner.status_code == 404
    assert new_owner.status_code == 200
    assert new_owner.json()["status"] == "accepted"


async def test_transfer_to_the_same_department_is_refused(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.act(complaint_no, "transfer", {"to_department": "quality", "reason": "重复"})

    assert response.status_code == 409
    assert response.json()["error"] == "same_department"
    assert response.json()["message_zh"]


async def test_transfer_to_an_unknown_department_is_422(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    unknown = await routing.act(
        complaint_no, "transfer", {"to_department": "marketing", "reason": "市场部负责"}
    )
    malformed = await routing.act(complaint_no, "transfer", {"to_department": "Sales Dept", "reason": "x"})

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "to_department"
    assert unknown.json()["errors"][0]["type"] == "unknown_department"
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["to_department"]
    assert [e.type for e in await routing.stream(complaint_no)] == ["ComplaintReceived", "ComplaintAssigned"]
