"""Over HTTP: the handling department reports a matter beyond its authority, the director answers;
the refusals in between (a second report, another role answering, nothing to answer) are 4xx."""

from __future__ import annotations

import pytest

from shared.complaints.values import Category
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration

REASON = {"reason": "客户要求的赔偿超出部门审批权限"}
INSTRUCTION = {"instruction": "同意赔偿，由售后部执行"}


async def an_accepted(routing: Routing) -> tuple[str, str]:
    complaint_no, department = await routing.assigned(category=Category.PRODUCT_QUALITY)
    accepted = await routing.act(complaint_no, "accept", department=department)
    assert accepted.status_code == 200, accepted.text
    return complaint_no, department


async def test_reported_and_answered(routing: Routing) -> None:
    complaint_no, department = await an_accepted(routing)

    reported = await routing.act(complaint_no, "beyond-authority", REASON, department=department)
    again = await routing.act(complaint_no, "beyond-authority", REASON, role="supervisor")
    answered = await routing.act(complaint_no, "director-instruction", INSTRUCTION, role="director")

    assert reported.status_code == 200, reported.text
    assert (again.status_code, again.json()["error"]) == (409, "already_reported")
    assert answered.status_code == 200, answered.text
    types = [e.type for e in await routing.stream(complaint_no)]
    assert types[-3:] == [
        "ComplaintReportedBeyondAuthority",
        "CommandRejected",
        "DirectorInstructionRecorded",
    ]


@pytest.mark.parametrize("role", ["agent", "supervisor", "operator"])
async def test_only_the_director_answers(routing: Routing, role: str) -> None:
    complaint_no, department = await an_accepted(routing)
    await routing.act(complaint_no, "beyond-authority", REASON, department=department)

    response = await routing.act(complaint_no, "director-instruction", INSTRUCTION, role=role)

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


async def test_nothing_to_answer_409(routing: Routing) -> None:
    complaint_no, _ = await an_accepted(routing)

    response = await routing.act(complaint_no, "director-instruction", INSTRUCTION, role="director")

    assert (response.status_code, response.json()["error"]) == (409, "not_reported")


async def test_an_empty_reason_422(routing: Routing) -> None:
    complaint_no, department = await an_accepted(routing)

    response = await routing.act(complaint_no, "beyond-authority", {"reason": ""}, department=department)

    assert response.status_code == 422
