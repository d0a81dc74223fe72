"""Policies per grade and category, each limit counted 24×7 or on the working calendar."""

from __future__ import annotations

import pytest

from services.sla.deadlines import DeadlinePlanner
from services.sla.policy import Counting, PolicyError, Target, load_policy, parse_policy
from shared.complaints import Category, Grade, SlaStage
from tests.unit.sla.calendars import CN, sh

pytestmark = pytest.mark.unit

PLANNER = DeadlinePlanner(load_policy(), calendar=CN)


def test_a_limit_is_a_duration_or_a_limit_with_its_counting() -> None:
    policy = parse_policy(
        """
grades:
  general: {first_response: PT12H, resolution: {limit: P3D, counting: working}}
  complex: {first_response: {limit: PT12H}, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: {limit: P5D, counting: working}, progress_interval: PT24H}
"""
    )
    assert policy.target(Grade.GENERAL, SlaStage.FIRST_RESPONSE) == Target(limit="PT12H")
    assert policy.target(Grade.GENERAL, SlaStage.RESOLUTION).counting is Counting.WORKING
    assert policy.target(Grade.COMPLEX, SlaStage.FIRST_RESPONSE).counting is Counting.ALWAYS
    assert policy.limits(Grade.URGENT).progress_interval == Target(limit="PT24H")


def test_the_packaged_policy_has_every_target_of_the_brief() -> None:
    urgent = load_policy().limits(Grade.URGENT)
    assert urgent.acknowledgement == Target(limit="PT1H")
    assert urgent.initial_plan == Target(limit="PT4H")
    assert urgent.progress_interval == Target(limit="PT24H")
    assert urgent.revisit == Target(limit="P3D")


def test_a_category_changes_only_the_limits_it_names() -> None:
    policy = load_policy()
    severe = policy.limits(Grade.URGENT, Category.PRODUCT_QUALITY)
    assert severe.resolution == Target(limit="P1W")
    assert severe.initial_plan == Target(limit="PT24H")
    assert severe.first_response == policy.limits(Grade.URGENT).first_response
    assert policy.limits(Grade.URGENT, Category.BILLING) == policy.limits(Grade.URGENT)
    assert policy.limits(Grade.GENERAL, Category.PRODUCT_QUALITY) == policy.limits(Grade.GENERAL)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("categories: {astrology: {urgent: {resolution: P1D}}}", "categories.astrology"),
        ("categories: {billing: {urgent: {resolution: soon}}}", "categories.billing.urgent.resolution"),
        ("categories: {billing: {urgent: {resolution: {limit: P1D, counting: lunar}}}}", "counting"),
        ("categories: {billing: {severe: {resolution: P1D}}}", "categories.billing.severe"),
    ],
)
def test_a_bad_category_entry_is_refused_naming_the_key(text: str, named: str) -> None:
    grades = "grades: {g: 1}\n".replace(
        "{g: 1}",
        "{general: {first_response: PT1H, resolution: PT2H}, complex: {first_response: PT1H, "
        "resolution: PT2H}, urgent: {first_response: PT1H, resolution: PT2H}}",
    )
    with pytest.raises(PolicyError, match=named):
        parse_policy(grades + text)


def test_working_limits_are_counted_on_the_calendar() -> None:
    friday = sh(2026, 3, 6, 17)
    schedule = PLANNER.plan(Grade.GENERAL, SlaStage.RESOLUTION, friday, Category.SERVICE_ATTITUDE)
    # 3 working days from Friday 17:00: Monday, Tuesday, Wednesday 17:00.
    assert schedule.due_at == sh(2026, 3, 11, 17)
    assert schedule.counting is Counting.WORKING
    # 80 % of its 27 working hours: 21.6 h = Fri 1 h, Mon 9 h, Tue 9 h, Wed 2.6 h → 11:36.
    assert schedule.warn_at == sh(2026, 3, 11, 11, 36)
    assert schedule.unknown_years == frozenset()


def test_24x7_limits_run_through_the_weekend() -> None:
    friday = sh(2026, 3, 6, 17)
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.FIRST_RESPONSE, friday, Category.SERVICE_ATTITUDE)
    assert schedule.due_at == sh(2026, 3, 6, 21)
    assert schedule.warn_at == sh(2026, 3, 6, 20, 12)


def test_urgent_resolution_is_five_working_days_across_national_day() -> None:
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.RESOLUTION, sh(2026, 9, 29, 10), Category.DELIVERY)
    # From Tuesday 29th: Wed 30th, (1st–7th off), Thu 8th, Fri 9th, Sat 10th (调休), Mon 12th.
    assert schedule.due_at == sh(2026, 10, 12, 10)


def test_a_severe_product_quality_complaint_has_a_week_24x7() -> None:
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.RESOLUTION, sh(2026, 9, 29, 10), Category.PRODUCT_QUALITY)
    assert schedule.due_at == sh(2026, 10, 6, 10)
    assert schedule.counting is Counting.ALWAYS


def test_a_working_deadline_into_an_unknown_year_is_flagged() -> None:
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.RESOLUTION, sh(2026, 12, 30, 10), Category.DELIVERY)
    assert schedule.unknown_years == frozenset({2027})
    # Counted on plain weekdays in 2027: Dec 31, Jan 1 (a plain Friday here), Jan 4, 5, 6.
    assert schedule.due_at == sh(2027, 1, 6, 10)
