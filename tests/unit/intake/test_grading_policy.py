"""The grading policy grades by rules, records which rule fired, and finds non-complaints."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from services.intake.policy import DEFAULT_RULE, load_policy, parse_policy
from shared.complaints.events import IndustrialDetails
from shared.complaints.values import Category, Channel, ComplainantKind, Grade

pytestmark = pytest.mark.unit

MANUFACTURING = """\
scheme: manufacturing
default_grade: general
rules:
  - name: batch-defect-rate
    match: {min_defect_rate: 0.3}
    grade: batch
  - name: safety
    match: {keywords: [安全, fire]}
    grade: severe
required_fields:
  categories:
    product_quality: [industrial.product_no, industrial.shipment_date, industrial.shipment_quantity,
                      industrial.defect_rate, industrial.found_at]
"""


def complaint(**changes: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "channel": Channel.HOTLINE,
        "category": Category.PRODUCT_QUALITY,
        "complainant_kind": ComplainantKind.CUSTOMER,
        "anonymous": False,
        "complainant": SimpleNamespace(name="张伟", phone="13812345678", email=None),
        "subject": "洗衣机漏水",
        "content": "购买两周的洗衣机底部漏水。",
        "product_refs": ["WM-2031"],
        "order_refs": [],
        "industrial": None,
        "attachments": [],
    }
    return SimpleNamespace(**{**fields, **changes})


def test_the_packaged_policy_is_valid() -> None:
    policy = load_policy()
    assert policy.scheme == "general_complex_urgent"
    assert policy.grades == (Grade.GENERAL, Grade.COMPLEX, Grade.URGENT)


def test_no_rule_fired_keeps_the_default_grade() -> None:
    grade, assessment = load_policy().assess(complaint())
    assert grade is Grade.GENERAL
    assert assessment.grade_rule == DEFAULT_RULE and assessment.rules_fired == []
    assert assessment.valid and assessment.validity_rule is None


@pytest.mark.parametrize(
    "text",
    [
        "热水器漏电，孩子受伤了",
        "厨房起火，火灾隐患",
        "存在安全问题",
        "My son got an INJURY",
        "it caught fire",
    ],
)
def test_urgency_keywords_in_chinese_and_english_make_it_urgent(text: str) -> None:
    grade, assessment = load_policy().assess(complaint(content=text))
    assert grade is Grade.URGENT
    assert assessment.grade_rule == "urgency-keywords"


def test_the_most_severe_rule_decides_and_every_fired_rule_is_recorded() -> None:
    grade, assessment = load_policy().assess(
        complaint(category=Category.BILLING, content="重复扣款，还差点引发火灾", product_refs=[])
    )
    assert grade is Grade.URGENT
    assert assessment.grade_rule == "urgency-keywords"
    assert assessment.rules_fired == ["urgency-keywords", "billing-disputes"]


def test_praise_is_not_a_complaint() -> None:
    _, assessment = load_policy().assess(complaint(subject="表扬", content="非常感谢师傅的耐心服务"))
    assert not assessment.valid and assessment.validity_rule == "thanks-or-praise"


@pytest.mark.parametrize(("rate", "grade"), [(0.29, Grade.GENERAL), (0.3, Grade.BATCH), (0.5, Grade.BATCH)])
def test_manufacturing_batch_rule_from_30_percent_defective(rate: float, grade: Grade) -> None:
    policy = parse_policy(MANUFACTURING)
    details = IndustrialDetails(defect_rate=rate)
    assert policy.assess(complaint(industrial=details))[0] is grade


def test_manufacturing_safety_is_severe() -> None:
    grade, assessment = parse_policy(MANUFACTURING).assess(
        complaint(content="fire in the unit", industrial=IndustrialDetails(defect_rate=0.4))
    )
    assert grade is Grade.SEVERE and assessment.grade_rule == "safety"
    assert assessment.rules_fired == ["batch-defect-rate", "safety"]


def test_industrial_complaints_need_their_shipment_details() -> None:
    policy = parse_policy(MANUFACTURING)
    partial = IndustrialDetails(product_no="P-1", defect_rate=0.1)
    assert policy.missing_fields(complaint(industrial=partial)) == [
        "industrial.shipment_date",
        "industrial.shipment_quantity",
        "industrial.found_at",
    ]
    assert policy.missing_fields(complaint(category=Category.DELIVERY)) == []


def test_channel_requirements_skip_contact_fields_of_anonymous_complaints() -> None:
    policy = load_policy()
    assert policy.missing_fields(complaint(channel=Channel.EMAIL)) == ["complainant.email"]
    assert policy.missing_fields(complaint(channel=Channel.EMAIL, anonymous=True, complainant=None)) == []
    assert policy.missing_fields(complaint(channel=Channel.AFTER_SALES_REVISIT)) == ["order_refs"]
