"""Refusals of the department API: 401, 403, 404, 409 and 422, each with a machine-readable body."""

from __future__ import annotations

import pytest

from shared.complaints.values import Category
from tests.integration.routing.conftest import Routing
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_without_a_token_401(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.client.post(f"/v1/complaints/{complaint_no}/accept", json={})

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_departments_agent_gets_404(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.act(complaint_no, "accept", department="finance")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": f"no complaint {complaint_no}"}
    assert len(await routing.stream(complaint_no)) == 2  # nothing recorded, not even a refusal


async def test_unknown_complaint_404(routing: Routing) -> None:
    response = await routing.act("TS-NO-SUCH", "accept", role="supervisor")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("role", ["operator", "auditor", "channel"])
async def test_roles_that_do_not_work_complaints_403(routing: Routing, role: str) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.act(complaint_no, "accept", role=role)

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


async def test_resolve_before_accept_409(routing: Routing) -> None:
    """The domain (decide.py) requires the department to sign for a complaint before resolving it."""
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.act(complaint_no, "resolve", {"resolution": "已处理"})

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "not_accepted"
    assert body["stream_version"] == 3
    assert "accepted" in body["message"] and body["message_zh"]
    stream = await routing.stream(complaint_no)
    assert stream[-1].type == "CommandRejected"  # the refusal stays on the audit trail


async def test_accept_twice_409(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    assert (await routing.act(complaint_no, "accept")).status_code == 200

    again = await routing.act(complaint_no, "accept")

    assert again.status_code == 409
    assert again.json()["error"] == "wrong_state"


@pytest.mark.parametrize(
    ("action", "body", "fields"),
    [
        ("progress", {}, ["note"]),
        ("progress", {"note": "   "}, ["note"]),
        ("progress", {"note": "x" * 2001}, ["note"]),
        ("resolve", {"root_cause": "进水管"}, ["resolution"]),
        ("resolve", {"resolution": "ok", "actor": "someone-else"}, ["actor"]),
        ("transfer", {"to_department": "hr"}, ["reason"]),
        ("accept", {"agent": "someone-else"}, ["agent"]),
    ],
)
async def test_bad_body_422_naming_the_fields(
    routing: Routing, action: str, body: dict[str, object], fields: list[str]
) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.client.post(
        f"/v1/complaints/{complaint_no}/{action}", json=body, headers=bearer("agent", "quality")
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert len(await routing.stream(complaint_no)) == 2


async def test_a_body_that_is_not_json_422(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.client.post(
        f"/v1/complaints/{complaint_no}/progress",
        content=b"{not json",
        headers={**bearer("agent", "quality"), "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
