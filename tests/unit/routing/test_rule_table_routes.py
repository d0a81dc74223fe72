"""The rule table: the first matching rule decides; no match goes to the default department."""

from __future__ import annotations

from typing import Any

import pytest

from services.routing.rules import Decision, load_rules, parse_rules
from shared.complaints.values import Category, Channel, ComplainantKind, Grade
from tests.builders import received

pytestmark = pytest.mark.unit

EMPLOYEE: dict[str, Any] = {
    "complainant_kind": ComplainantKind.EMPLOYEE,
    "anonymous": True,
    "complainant": None,
}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"category": Category.PRODUCT_QUALITY}, Decision("quality", "product-quality")),
        ({**EMPLOYEE, "category": Category.PAY_BENEFITS}, Decision("hr", "employee-pay-and-performance")),
        (
            {**EMPLOYEE, "category": Category.PERFORMANCE_REVIEW},
            Decision("hr", "employee-pay-and-performance"),
        ),
        (
            {**EMPLOYEE, "category": Category.WORK_ENVIRONMENT},
            Decision("administration", "employee-workplace"),
        ),
        ({**EMPLOYEE, "category": Category.FACILITIES}, Decision("administration", "employee-workplace")),
        ({"category": Category.AFTER_SALES}, Decision("after_sales", "after-sales")),
        ({"category": Category.DELIVERY}, Decision("logistics", "delivery")),
        ({"category": Category.BILLING}, Decision("finance", "billing")),
        ({"category": Category.SERVICE_ATTITUDE}, Decision("customer_service", "default")),
        ({"category": Category.OTHER}, Decision("customer_service", "default")),
    ],
)
def test_the_packaged_rules(fields: dict[str, Any], expected: Decision) -> None:
    assert load_rules().route(received(**fields)) == expected


TABLE = """
default_department: customer_service
rules:
  - name: urgent-hotline
    match: {channel: [hotline, online], grade: urgent}
    department: customer_service
    note: 立即联系投诉人
  - name: quality
    match: {category: product_quality}
    department: quality
  - name: quality-again
    match: {category: product_quality, grade: urgent}
    department: after_sales
"""


def test_the_first_matching_rule_wins() -> None:
    table = parse_rules(TABLE)

    urgent_by_hotline = table.route(
        received(category=Category.PRODUCT_QUALITY, grade=Grade.URGENT, channel=Channel.HOTLINE)
    )
    urgent_by_email = table.route(
        received(category=Category.PRODUCT_QUALITY, grade=Grade.URGENT, channel=Channel.EMAIL)
    )

    assert urgent_by_hotline == Decision("customer_service", "urgent-hotline", "立即联系投诉人")
    assert urgent_by_email == Decision("quality", "quality")  # quality-again comes too late


def test_every_condition_must_hold_and_any_listed_value_does() -> None:
    table = parse_rules(TABLE)

    online = table.route(received(category=Category.BILLING, grade=Grade.URGENT, channel=Channel.ONLINE))
    not_urgent = table.route(received(category=Category.BILLING, grade=Grade.COMPLEX, channel=Channel.ONLINE))

    assert online.rule == "urgent-hotline"
    assert not_urgent == Decision("customer_service", "default")


def test_departments_and_their_labels() -> None:
    table = parse_rules(
        """
departments:
  quality:
  marketing: {zh-CN: 市场部, en: Marketing}
default_department: quality
rules:
  - {name: ads, match: {category: other}, department: marketing}
"""
    )

    assert table.knows("marketing") and not table.knows("hr")
    assert (table.label("marketing", "zh-CN"), table.label("marketing", "en")) == ("市场部", "Marketing")
    assert table.label("quality", "zh-CN") == "质量部"
    assert table.route(received(category=Category.OTHER)) == Decision("marketing", "ads")


def test_without_a_departments_list_the_usual_departments() -> None:
    table = parse_rules("default_department: customer_service\n")

    assert table.knows("hr") and table.knows("administration") and not table.knows("marketing")
    assert table.rules == ()
