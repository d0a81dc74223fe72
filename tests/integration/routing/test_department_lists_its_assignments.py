"""GET /v1/departments/{dept}/assignments: a department's work list, paged, newest first."""

from __future__ import annotations

import pytest

from shared.complaints.values import Category, Grade
from tests.integration.routing.conftest import Routing
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

URL = "/v1/departments/finance/assignments"


@pytest.fixture(scope="module")
async def three_billing_complaints(routing: Routing) -> list[str]:
    """Three complaints assigned to finance, oldest first; the newest is urgent."""
    numbers = []
    for grade in (Grade.GENERAL, Grade.COMPLEX, Grade.URGENT):
        complaint_no, department = await routing.assigned(category=Category.BILLING, grade=grade)
        assert department == "finance"
        numbers.append(complaint_no)
    return numbers


async def test_newest_first_in_pages(routing: Routing, three_billing_complaints: list[str]) -> None:
    oldest, middle, newest = three_billing_complaints
    first = (
        await routing.client.get(URL, params={"page_size": 2}, headers=bearer("agent", "finance"))
    ).json()
    second = (
        await routing.client.get(URL, params={"page_size": 2, "page": 2}, headers=bearer("agent", "finance"))
    ).json()

    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [i["complaint_no"] for i in first["items"]] == [newest, middle]
    assert [i["complaint_no"] for i in second["items"]] == [oldest]
    item = first["items"][0]
    assert item["grade"] == "urgent" and item["status"] == "assigned"
    assert set(item) == {
        "complaint_no", "status", "status_label", "category", "category_label", "grade", "grade_label",
        "channel", "channel_label", "complainant_kind", "subject", "agent", "assigned_at", "escalated",
        "escalation_level", "reopened", "reopen_count", "stream_version", "role", "lead_department",
        "cooperations",
    }  # fmt: skip
    assert (item["role"], item["lead_department"], item["cooperations"]) == ("lead", "finance", [])


async def test_labels_in_chinese_or_english(routing: Routing, three_billing_complaints: list[str]) -> None:
    chinese = await routing.listing("finance", page_size=1)
    english = await routing.listing("finance", page_size=1, lang="en")

    assert chinese["department_label"] == "财务部"
    assert (chinese["items"][0]["status_label"], chinese["items"][0]["category_label"]) == (
        "已派单",
        "账单费用",
    )
    assert english["department_label"] == "Finance"
    assert (english["items"][0]["status_label"], english["items"][0]["grade_label"]) == ("Assigned", "Urgent")


async def test_filtered_by_status(routing: Routing, three_billing_complaints: list[str]) -> None:
    oldest = three_billing_complaints[0]
    accepted = await routing.act(oldest, "accept", department="finance")
    assert accepted.status_code == 200, accepted.text
    await routing.listed("finance", oldest, accepted.json()["stream_version"])

    only_accepted = await routing.listing("finance", status="accepted")
    assigned_or_accepted = await routing.listing("finance", status=["assigned", "accepted"])

    assert [i["complaint_no"] for i in only_accepted["items"]] == [oldest]
    assert only_accepted["items"][0]["agent"] == "agent-finance"
    assert only_accepted["statuses"] == ["accepted"]
    assert assigned_or_accepted["total"] == 3


async def test_agents_see_only_their_own_department(
    routing: Routing, three_billing_complaints: list[str]
) -> None:
    own = await routing.client.get(URL, headers=bearer("agent", "finance"))
    other = await routing.client.get(URL, headers=bearer("agent", "quality"))
    operator = await routing.client.get(URL, headers=bearer("operator"))

    assert own.status_code == 200 and own.json()["total"] == 3
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"
    assert operator.status_code == 200 and operator.json()["total"] == 3


async def test_unknown_department_is_not_found(routing: Routing) -> None:
    response = await routing.client.get("/v1/departments/marketing/assignments", headers=bearer("supervisor"))

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no department marketing"}


async def test_who_may_not_read(routing: Routing) -> None:
    anonymous = await routing.client.get(URL)
    auditor = await routing.client.get(URL, headers=bearer("auditor"))
    channel = await routing.client.get(URL, headers=bearer("channel"))

    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    assert auditor.status_code == 403 and auditor.json()["error"] == "forbidden"
    assert channel.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "query.status.0"),
        ({"page": 0}, "query.page"),
        ({"page_size": 1000}, "query.page_size"),
        ({"lang": "fr"}, "query.lang"),
    ],
)
async def test_bad_query_is_422_naming_the_parameter(
    routing: Routing, params: dict[str, object], field: str
) -> None:
    response = await routing.client.get(URL, params=params, headers=bearer("supervisor"))

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert [e["field"] for e in body["errors"]] == [field]
