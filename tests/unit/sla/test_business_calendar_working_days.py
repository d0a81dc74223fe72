"""Working days: weekends, Chinese public holidays, 调休 working Saturdays and Sundays, the 2026
Spring Festival and National Day weeks, and years the calendar does not know."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.calendar.business import BusinessCalendar, PublicHolidays, china_public_holidays
from shared.durations import IsoDuration
from tests.unit.sla.calendars import CN, sh

pytestmark = pytest.mark.unit

DAY = IsoDuration(days=1)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 6), True),  # a plain Friday
        (date(2026, 3, 7), False),  # a plain Saturday
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 4), True),  # 调休: a working Sunday
        (date(2026, 2, 14), True),  # 调休: a working Saturday before the Spring Festival
        (date(2026, 2, 16), False),  # 春节 (a Monday)
        (date(2026, 2, 23), False),  # the last day of the Spring Festival week
        (date(2026, 2, 28), True),  # 调休: a working Saturday after it
        (date(2026, 9, 20), True),  # 调休: a working Sunday before National Day
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # 调休: a working Saturday after it
    ],
)
def test_which_days_are_working_days(day: date, working: bool) -> None:
    assert CN.is_working_day(day) is working


def test_whole_days_skip_the_weekend() -> None:
    assert CN.add(sh(2026, 3, 6, 10), DAY) == sh(2026, 3, 9, 10)  # Friday → Monday
    assert CN.add(sh(2026, 3, 6, 10), 3 * DAY) == sh(2026, 3, 11, 10)


def test_a_weekend_start_counts_from_monday_morning() -> None:
    # Saturday noon: the clock starts on Monday at 09:00; one working day is all of Monday.
    assert CN.add(sh(2026, 3, 7, 12), DAY) == sh(2026, 3, 9, 18)
    assert CN.add(sh(2026, 3, 7, 12), IsoDuration.hours(2)) == sh(2026, 3, 9, 11)


def test_a_working_saturday_counts_before_the_spring_festival() -> None:
    assert CN.add(sh(2026, 2, 13, 10), DAY) == sh(2026, 2, 14, 10)  # Friday → 调休 Saturday


def test_the_2026_spring_festival_week_does_not_count() -> None:
    # Friday 13th, Saturday 14th (调休) is day 1, 15th–23rd are off, Tuesday 24th is day 2.
    assert CN.add(sh(2026, 2, 13, 10), 2 * DAY) == sh(2026, 2, 24, 10)
    # Hours: 8 h on Friday, 9 h on Saturday 14th, the rest on Tuesday 24th.
    assert CN.add(sh(2026, 2, 13, 10), IsoDuration.hours(20)) == sh(2026, 2, 24, 12)


def test_a_clock_started_during_the_spring_festival_waits_for_its_end() -> None:
    assert CN.add(sh(2026, 2, 18, 10), IsoDuration.hours(1)) == sh(2026, 2, 24, 10)
    assert CN.add(sh(2026, 2, 18, 10), 5 * DAY) == sh(2026, 2, 28, 18)  # 24, 25, 26, 27, Sat 28 (调休)


def test_a_working_sunday_counts_before_national_day() -> None:
    assert CN.add(sh(2026, 9, 18, 10), DAY) == sh(2026, 9, 20, 10)  # Friday → 调休 Sunday


def test_the_2026_national_day_week_does_not_count() -> None:
    assert CN.add(sh(2026, 9, 30, 10), DAY) == sh(2026, 10, 8, 10)  # Wednesday → Thursday 8th
    assert CN.add(sh(2026, 10, 9, 10), DAY) == sh(2026, 10, 10, 10)  # Friday → 调休 Saturday
    assert CN.add(sh(2026, 9, 30, 10), 3 * DAY) == sh(2026, 10, 10, 10)


def test_new_year_and_its_working_sunday() -> None:
    assert CN.add(sh(2025, 12, 31, 10), DAY) == sh(2026, 1, 4, 10)  # 1st–3rd off, Sunday 4th works


def test_working_time_between_counts_only_working_hours() -> None:
    assert CN.working_time_between(sh(2026, 3, 6, 17), sh(2026, 3, 9, 10)) == timedelta(hours=2)
    assert CN.working_time_between(sh(2026, 2, 14, 9), sh(2026, 2, 24, 18)) == timedelta(hours=18)
    assert CN.working_time_between(sh(2026, 3, 9, 10), sh(2026, 3, 9, 9)) == timedelta(0)


def test_the_warning_point_is_a_share_of_the_working_time() -> None:
    start = sh(2026, 3, 9, 9)  # Monday
    due = CN.add(start, 3 * DAY)  # Wednesday 18:00: 27 working hours
    assert due == sh(2026, 3, 11, 18)
    assert CN.part(start, due, 0.8) == sh(2026, 3, 11, 12, 36)  # 21.6 h: Mon 9, Tue 9, Wed 3.6


def test_the_years_the_package_knows() -> None:
    public = china_public_holidays()
    assert {2020, 2025, 2026} <= public.years
    assert CN.unknown_years(sh(2026, 3, 9, 9), sh(2026, 12, 31, 17)) == frozenset()


def test_a_deadline_into_an_unknown_year_is_counted_on_plain_weekdays() -> None:
    last_known = max(china_public_holidays().years)
    start = sh(last_known, 12, 30, 10)
    due = CN.add(start, 5 * DAY)
    plain = BusinessCalendar()  # no public holidays at all: weekdays only
    assert due == plain.add(start, 5 * DAY)
    assert CN.unknown_years(start, due) == frozenset({last_known + 1})


def test_a_calendar_without_public_holidays_knows_every_year() -> None:
    plain = BusinessCalendar(public=PublicHolidays())
    assert not plain.is_working_day(date(2030, 1, 5))  # a Saturday
    assert plain.is_working_day(date(2030, 1, 1))  # a Tuesday: no holidays kept
    assert plain.unknown_years(sh(2029, 12, 1), sh(2031, 1, 1)) == frozenset()


def test_organisation_closures_win_over_adjusted_working_days() -> None:
    calendar = BusinessCalendar(
        public=china_public_holidays(),
        closed=frozenset({date(2026, 2, 14), date(2026, 3, 10)}),
        open_days=frozenset({date(2026, 3, 7)}),
    )
    assert not calendar.is_working_day(date(2026, 2, 14))  # 调休 Saturday, but the firm is closed
    assert calendar.is_working_day(date(2026, 3, 7))  # a Saturday the firm works
    assert calendar.add(sh(2026, 3, 6, 10), 2 * DAY) == sh(2026, 3, 9, 10)  # Sat 7th, Mon 9th
    assert calendar.add(sh(2026, 3, 9, 10), DAY) == sh(2026, 3, 11, 10)  # the 10th is closed
