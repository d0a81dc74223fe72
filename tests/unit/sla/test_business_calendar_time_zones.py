"""Time zones: instants are stored in UTC, working hours are local, daylight saving is honoured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.calendar.business import BusinessCalendar
from shared.durations import IsoDuration
from tests.unit.sla.calendars import CN, sh

pytestmark = pytest.mark.unit

BERLIN = ZoneInfo("Europe/Berlin")


def test_utc_instants_are_read_in_the_calendar_time_zone() -> None:
    # 2026-03-06 01:00 UTC is Friday 09:00 in Shanghai.
    due = CN.add(datetime(2026, 3, 6, 1, 0, tzinfo=UTC), IsoDuration.hours(9))
    assert due == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_a_shanghai_evening_is_still_the_same_utc_day() -> None:
    # 10:30 UTC on Friday is 18:30 in Shanghai: after hours, so Monday 09:00 + 1 h.
    assert CN.add(datetime(2026, 3, 6, 10, 30, tzinfo=UTC), IsoDuration.hours(1)) == sh(2026, 3, 9, 10)


def test_another_time_zone_across_a_daylight_saving_change() -> None:
    berlin = BusinessCalendar(zone=BERLIN)
    friday = datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN)  # CET, UTC+1
    due = berlin.add(friday, IsoDuration.hours(2))  # 1 h Friday, 1 h Monday (CEST, UTC+2)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert berlin.add(friday, IsoDuration(days=1)) == datetime(2026, 3, 30, 17, 0, tzinfo=BERLIN)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        CN.add(datetime(2026, 3, 6, 9, 0), IsoDuration.hours(1))
