"""A received complaint is assigned (ComplaintAssigned) to the department the rule table names."""

from __future__ import annotations

from typing import Any

import pytest

from shared.complaints.values import Category, Channel, ComplainantKind
from shared.events import Role
from tests.builders import a_complainant
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration

EMPLOYEE = {"complainant_kind": ComplainantKind.EMPLOYEE, "channel": Channel.EMPLOYEE_PLATFORM}


@pytest.mark.parametrize(
    ("fields", "department", "rule"),
    [
        pytest.param(
            {"category": Category.PRODUCT_QUALITY}, "quality", "product-quality", id="product-quality"
        ),
        pytest.param(
            {**EMPLOYEE, "category": Category.PAY_BENEFITS, "complainant": a_complainant(employee_id="E-7")},
            "hr",
            "employee-pay-and-performance",
            id="employee-pay",
        ),
        pytest.param(
            {**EMPLOYEE, "category": Category.FACILITIES, "anonymous": True},
            "administration",
            "employee-workplace",
            id="facilities",
        ),
        pytest.param({"category": Category.OTHER}, "customer_service", "default", id="unmatched"),
    ],
)
async def test_assigned_by_the_first_matching_rule(
    routing: Routing, fields: dict[str, Any], department: str, rule: str
) -> None:
    received = await routing.receive(**fields)

    assignment = await routing.assignment(received.stream_id)

    assert assignment.payload["department"] == department
    assert assignment.payload["rule"] == rule
    assert assignment.actor.role is Role.SERVICE and assignment.actor.id == "routing"
    assert assignment.causation_id == received.event_id
    assert assignment.correlation_id == received.correlation_id


async def test_the_department_sees_the_new_assignment(routing: Routing) -> None:
    received = await routing.receive(category=Category.DELIVERY, subject="快递三天未送达")
    assignment = await routing.assignment(received.stream_id)

    item = await routing.listed("logistics", received.stream_id)

    assert item["status"] == "assigned"
    assert item["subject"] == "快递三天未送达"
    assert item["category"] == "delivery"
    assert item["stream_version"] == assignment.stream_version
    assert item["assigned_at"] is not None
    assert (item["escalated"], item["reopened"]) == (False, False)
