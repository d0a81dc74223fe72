"""Deadline arithmetic beyond the plain limit: time on hold is excluded, approved extensions are
added, and a changed policy re-computes from the start while keeping both."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.policy import load_policy, parse_policy
from shared.calendar.config import load_calendar
from shared.complaints import Grade, SlaStage
from shared.durations import IsoDuration

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = load_calendar()
PLANNER = DeadlinePlanner(load_policy(), calendar=CALENDAR)
RESOLUTION = SlaStage.RESOLUTION


def sh(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_10 = sh(5, 10)


def test_the_working_time_on_hold_pushes_the_deadline_and_the_warning() -> None:
    plain = PLANNER.plan(Grade.GENERAL, RESOLUTION, MONDAY_10)  # P3D working
    assert plain.due_at == sh(8, 10)
    # On hold Monday 14:00 → Tuesday 11:00: 4 h + 2 h of working time; the night does not count.
    paused = CALENDAR.counted_between(sh(5, 14), sh(6, 11))
    assert paused == timedelta(hours=6)
    held = PLANNER.plan(Grade.GENERAL, RESOLUTION, MONDAY_10, paused=paused)
    assert held.due_at == sh(8, 16)
    # 80 % of 27 working hours from Monday 10:00 is Wednesday 13:36; six working hours later.
    assert plain.warn_at == sh(7, 13, 36)
    assert held.warn_at == sh(8, 10, 36)


def test_a_pause_over_the_weekend_costs_nothing_on_the_calendar() -> None:
    friday_evening, monday_morning = sh(9, 18), sh(12, 9)
    assert CALENDAR.counted_between(friday_evening, monday_morning) == timedelta(0)
    assert PLANNER.plan(Grade.GENERAL, RESOLUTION, MONDAY_10, paused=timedelta(0)).due_at == sh(8, 10)


def test_on_a_24x7_limit_the_wall_time_on_hold_is_added() -> None:
    planner = DeadlinePlanner(load_policy(), WallClockCalculator(), calendar=CALENDAR)
    held = planner.plan(Grade.COMPLEX, RESOLUTION, MONDAY_10, paused=timedelta(hours=5))  # PT72H
    assert held.due_at == MONDAY_10 + timedelta(hours=77)
    assert held.paused == timedelta(hours=5)


def test_an_extension_in_working_days_moves_deadline_and_warning() -> None:
    extended = PLANNER.plan(Grade.GENERAL, RESOLUTION, MONDAY_10, extension=IsoDuration(days=2))
    # Thursday 10:00 + two working days = Monday 10:00 (the weekend does not count).
    assert extended.due_at == sh(12, 10)
    # 80 % of five working days (45 h) from Monday 10:00: Friday 10:00.
    assert extended.warn_at == sh(9, 10)
    assert extended.extension == IsoDuration(days=2)


def test_a_changed_policy_recomputes_from_the_start_keeping_extension_and_pause() -> None:
    longer = parse_policy(
        """
grades:
  general: {first_response: PT12H, resolution: {limit: P5D, counting: working}}
  complex: {first_response: PT12H, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: PT24H}
"""
    )
    planner = DeadlinePlanner(longer, calendar=CALENDAR)
    schedule = planner.plan(
        Grade.GENERAL, RESOLUTION, MONDAY_10, extension=IsoDuration(days=2), paused=timedelta(hours=6)
    )
    # Monday 5th + 5 working days = Monday 12th; + 2 = Wednesday 14th 10:00; + 6 working hours.
    assert schedule.due_at == sh(14, 16)
    assert schedule.limit == IsoDuration(days=5)


def test_a_stage_the_policy_does_not_set_runs_no_clock() -> None:
    assert PLANNER.plan_if_set(Grade.GENERAL, SlaStage.PROGRESS_UPDATE, MONDAY_10) is None
    with pytest.raises(KeyError):
        PLANNER.plan(Grade.GENERAL, SlaStage.PROGRESS_UPDATE, MONDAY_10)


@pytest.mark.parametrize(
    ("grade", "stage", "due"),
    [
        (Grade.GENERAL, SlaStage.ACKNOWLEDGEMENT, MONDAY_10 + timedelta(hours=1)),
        (Grade.GENERAL, SlaStage.INITIAL_PLAN, sh(8, 10)),
        (Grade.URGENT, SlaStage.INITIAL_PLAN, MONDAY_10 + timedelta(hours=4)),
        (Grade.LEVEL_3, SlaStage.PROGRESS_UPDATE, MONDAY_10 + timedelta(hours=24)),
        (Grade.COMPLEX, SlaStage.PROGRESS_UPDATE, MONDAY_10 + timedelta(hours=48)),
        (Grade.GENERAL, SlaStage.REVISIT, MONDAY_10 + timedelta(days=3)),
    ],
)
def test_every_stage_of_the_packaged_policy_has_its_clock(
    grade: Grade, stage: SlaStage, due: datetime
) -> None:
    assert PLANNER.plan(grade, stage, MONDAY_10).due_at == due


def test_a_grade_may_have_its_own_escalation_chain() -> None:
    policy = parse_policy(
        """
grades:
  general: {first_response: PT12H, resolution: PT72H}
  complex: {first_response: PT12H, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: PT24H, escalation_chain: [operations_manager, general_manager]}
"""
    )
    assert policy.escalation_role(1, Grade.GENERAL) == "supervisor"
    assert policy.escalation_role(1, Grade.SEVERE) == "operations_manager"
    assert policy.escalation_role(5, Grade.URGENT) == "general_manager"
