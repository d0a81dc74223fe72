"""Working hours: day boundaries, breaks, and hours that run over into the next working day."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from shared.calendar.business import BusinessCalendar, CalendarError, Interval, working_intervals
from shared.durations import IsoDuration
from tests.unit.sla.calendars import CN, CN_LUNCH, sh

pytestmark = pytest.mark.unit

HOUR = IsoDuration.hours(1)


def test_hours_run_over_into_the_next_working_day() -> None:
    assert CN.add(sh(2026, 3, 6, 10), 12 * HOUR) == sh(2026, 3, 9, 13)  # Fri 8 h + Mon 4 h


def test_a_limit_that_ends_at_closing_time_ends_at_closing_time() -> None:
    assert CN.add(sh(2026, 3, 9, 9), 9 * HOUR) == sh(2026, 3, 9, 18)  # not Tuesday 09:00


def test_a_start_before_opening_counts_from_opening() -> None:
    assert CN.add(sh(2026, 3, 9, 8, 59), HOUR) == sh(2026, 3, 9, 10)
    assert CN.add(sh(2026, 3, 9, 0, 0), HOUR) == sh(2026, 3, 9, 10)


def test_a_start_at_or_after_closing_counts_from_the_next_morning() -> None:
    assert CN.add(sh(2026, 3, 9, 18), HOUR) == sh(2026, 3, 10, 10)
    assert CN.add(sh(2026, 3, 9, 23, 59), HOUR) == sh(2026, 3, 10, 10)
    assert CN.add(sh(2026, 3, 6, 18), HOUR) == sh(2026, 3, 9, 10)  # Friday evening → Monday


def test_whole_days_from_after_hours_end_at_a_closing_time() -> None:
    # Monday 20:00 counts from Tuesday 09:00; three working days end Thursday at closing time
    # (the same working instant as Friday 09:00, shown the way people say it).
    assert CN.add(sh(2026, 3, 9, 20), 3 * IsoDuration(days=1)) == sh(2026, 3, 12, 18)


def test_days_and_hours_together() -> None:
    assert CN.add(sh(2026, 3, 9, 10), IsoDuration(1, timedelta(hours=12))) == sh(2026, 3, 11, 13)


def test_seconds_count_exactly() -> None:
    ninety_seconds = IsoDuration(0, timedelta(seconds=90))
    assert CN.add(sh(2026, 3, 9, 17, 59), ninety_seconds) == sh(2026, 3, 10, 9, 0) + timedelta(seconds=30)


def test_the_lunch_break_does_not_count() -> None:
    assert CN_LUNCH.add(sh(2026, 3, 9, 11), 2 * HOUR) == sh(2026, 3, 9, 14)
    half_an_hour = IsoDuration(0, timedelta(minutes=30))
    assert CN_LUNCH.add(sh(2026, 3, 9, 12, 30), half_an_hour) == sh(2026, 3, 9, 13, 30)
    assert CN_LUNCH.add(sh(2026, 3, 9, 9), 8 * HOUR) == sh(2026, 3, 9, 18)  # a day is 8 h now
    assert CN_LUNCH.add(sh(2026, 3, 9, 9), 9 * HOUR) == sh(2026, 3, 10, 10)
    assert CN_LUNCH.working_time_between(sh(2026, 3, 9, 0), sh(2026, 3, 10, 0)) == timedelta(hours=8)


def test_a_limit_ending_at_the_break_ends_at_the_break() -> None:
    assert CN_LUNCH.add(sh(2026, 3, 9, 9), 3 * HOUR) == sh(2026, 3, 9, 12)


def test_breaks_are_cut_out_of_the_working_hours() -> None:
    assert working_intervals(time(9), time(18), [(time(15), time(15, 15)), (time(12), time(13))]) == (
        Interval(time(9), time(12)),
        Interval(time(13), time(15)),
        Interval(time(15, 15), time(18)),
    )
    assert working_intervals(time(9), time(18), [(time(7), time(10))]) == (Interval(time(10), time(18)),)


@pytest.mark.parametrize(
    ("opens", "closes", "breaks"),
    [
        (time(18), time(9), []),
        (time(9), time(18), [(time(13), time(12))]),
        (time(9), time(18), [(time(8), time(19))]),
    ],
)
def test_impossible_working_hours_are_refused(
    opens: time, closes: time, breaks: list[tuple[time, time]]
) -> None:
    with pytest.raises(CalendarError):
        working_intervals(opens, closes, breaks)


def test_a_calendar_without_any_working_day_stops_with_an_error() -> None:
    never = BusinessCalendar(weekend=frozenset(range(7)))
    with pytest.raises(CalendarError, match="no working day"):
        never.add(sh(2026, 3, 9, 10), HOUR)
