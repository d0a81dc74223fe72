"""When a clock warns and runs out: the policy's limits counted by a DeadlineCalculator (24×7 here;
the business calendar's arithmetic is in test_business_calendar_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.policy import parse_policy
from shared.complaints import Grade, SlaStage
from shared.durations import IsoDuration
from tests.builders import T0

pytestmark = pytest.mark.unit

WALL_CLOCK = parse_policy(
    """
grades:
  general: {first_response: PT12H, resolution: PT72H}
  complex: {first_response: PT12H, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: PT24H}
"""
)
PLANNER = DeadlinePlanner(WALL_CLOCK, WallClockCalculator())


@pytest.mark.parametrize(
    ("grade", "stage", "limit"),
    [
        (Grade.GENERAL, SlaStage.FIRST_RESPONSE, timedelta(hours=12)),
        (Grade.GENERAL, SlaStage.RESOLUTION, timedelta(hours=72)),
        (Grade.COMPLEX, SlaStage.RESOLUTION, timedelta(hours=72)),
        (Grade.URGENT, SlaStage.FIRST_RESPONSE, timedelta(hours=4)),
        (Grade.URGENT, SlaStage.RESOLUTION, timedelta(hours=24)),
    ],
)
def test_wall_clock_deadlines_warn_at_80_percent(grade: Grade, stage: SlaStage, limit: timedelta) -> None:
    schedule = PLANNER.plan(grade, stage, T0)
    assert schedule.started_at == T0
    assert schedule.due_at == T0 + limit
    assert schedule.warn_at == T0 + limit * 0.8
    assert schedule.warn_fraction == 0.8


def test_urgent_first_response_warns_after_3h12m() -> None:
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.FIRST_RESPONSE, T0)
    assert schedule.warn_at == T0 + timedelta(hours=3, minutes=12)
    assert schedule.due_at == T0 + timedelta(hours=4)


def test_wall_clock_runs_through_nights_and_weekends() -> None:
    friday_evening = datetime(2026, 1, 9, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    schedule = PLANNER.plan(Grade.GENERAL, SlaStage.RESOLUTION, friday_evening)
    assert schedule.due_at == datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


def test_instants_are_kept_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.RESOLUTION, datetime(2026, 1, 5, 9, 0, tzinfo=shanghai))
    assert schedule.started_at == T0
    assert schedule.due_at.utcoffset() == timedelta(0)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        PLANNER.plan(Grade.GENERAL, SlaStage.RESOLUTION, datetime(2026, 1, 5, 9, 0))


class SkipsWeekends:
    """A stand-in working-time calendar: counts only Monday to Friday, whole days."""

    def add(self, start: datetime, duration: IsoDuration) -> datetime:
        instant, left = start, duration.total()
        while left > timedelta(0):
            step = min(left, timedelta(days=1) - (instant - instant.replace(hour=0, minute=0)))
            if instant.weekday() < 5:
                left -= step
            instant += step
        return instant

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        return start + (end - start) * fraction


def test_a_calendar_slots_in_behind_the_calculator() -> None:
    planner = DeadlinePlanner(WALL_CLOCK, SkipsWeekends())
    friday_noon = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
    schedule = planner.plan(Grade.GENERAL, SlaStage.RESOLUTION, friday_noon)
    # 12 h on Friday, then Monday, Tuesday, and 12 h on Wednesday: the weekend does not count.
    assert schedule.due_at == datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
    assert schedule.warn_at < schedule.due_at
