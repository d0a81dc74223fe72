"""The 8D clocks' limits are data (policy.yaml, section eight_d), the same for every grade:
containment 24 h round the clock, the permanent countermeasure 2 working days, the whole case a
week; a policy without the section gets these, and a bad one is refused naming the key."""

from __future__ import annotations

import pytest

from services.sla.deadlines import DeadlinePlanner
from services.sla.policy import Counting, PolicyError, Target, load_policy, parse_policy
from shared.complaints import Grade, SlaStage
from tests.unit.sla.calendars import CN, sh

pytestmark = pytest.mark.unit

GRADES = """
grades:
  general: {first_response: PT12H, resolution: P3D}
  complex: {first_response: PT12H, resolution: P3D}
  urgent: {first_response: PT4H, resolution: P3D}
"""


@pytest.mark.parametrize("grade", [Grade.GENERAL, Grade.BATCH, Grade.SEVERE])
def test_the_packaged_limits_whatever_the_grade(grade: Grade) -> None:
    policy = load_policy()
    assert policy.target(grade, SlaStage.EIGHT_D_CONTAINMENT) == Target(limit="PT24H")
    assert policy.target(grade, SlaStage.EIGHT_D_COUNTERMEASURE) == Target(
        limit="P2D", counting=Counting.WORKING
    )
    assert policy.target_or_none(grade, SlaStage.EIGHT_D_CLOSURE) == Target(limit="P7D")


def test_the_countermeasure_counts_working_days() -> None:
    planner = DeadlinePlanner(load_policy(), calendar=CN)
    friday_evening = sh(2026, 1, 9, 17)  # a Friday, an hour before the close
    schedule = planner.plan(Grade.SEVERE, SlaStage.EIGHT_D_COUNTERMEASURE, friday_evening)
    assert schedule.due_at == sh(2026, 1, 13, 17)  # two working days on: Tuesday, 17:00
    containment = planner.plan(Grade.SEVERE, SlaStage.EIGHT_D_CONTAINMENT, friday_evening)
    assert containment.due_at == sh(2026, 1, 10, 17)  # round the clock


def test_a_policy_without_the_section_gets_the_defaults_and_may_change_them() -> None:
    assert parse_policy(GRADES).target(Grade.GENERAL, SlaStage.EIGHT_D_CLOSURE) == Target(limit="P7D")
    changed = parse_policy(GRADES + "eight_d: {closure: P10D}\n")
    assert changed.target(Grade.URGENT, SlaStage.EIGHT_D_CLOSURE) == Target(limit="P10D")
    assert changed.target(Grade.URGENT, SlaStage.EIGHT_D_CONTAINMENT) == Target(limit="PT24H")


def test_a_bad_limit_is_refused_naming_the_key() -> None:
    with pytest.raises(PolicyError, match=r"eight_d\.containment"):
        parse_policy(GRADES + "eight_d: {containment: P0D}\n")
