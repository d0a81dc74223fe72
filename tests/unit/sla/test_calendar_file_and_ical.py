"""The calendar as data: calendar.yaml validated, organisation days listed or imported from iCal."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.sla.config import SlaConfig
from shared.calendar.business import CalendarError, Interval
from shared.calendar.config import ical_dates, load_calendar, parse_calendar
from shared.durations import IsoDuration
from tests.unit.sla.calendars import sh

pytestmark = pytest.mark.unit

ICAL = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tousu//test//EN
BEGIN:VEVENT
UID:1@test
SUMMARY:年会 / annual meeting
DTSTART;VALUE=DATE:20260601
DTEND;VALUE=DATE:20260603
END:VEVENT
BEGIN:VEVENT
UID:2@test
SUMMARY:Stocktaking
DTSTART:20260610T080000Z
DTEND:20260610T100000Z
END:VEVENT
END:VCALENDAR
"""


def test_the_packaged_calendar_is_shanghai_nine_to_six_with_chinese_holidays() -> None:
    calendar = load_calendar()
    assert calendar.zone == ZoneInfo("Asia/Shanghai")
    assert calendar.intervals == (Interval(time(9), time(18)),)
    assert calendar.weekend == frozenset({5, 6})
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 10, 10))


def test_a_calendar_file_sets_hours_breaks_weekend_and_own_days(tmp_path: Path) -> None:
    (tmp_path / "closures.ics").write_text(ICAL, encoding="utf-8")
    path = tmp_path / "calendar.yaml"
    path.write_text(
        """
timezone: Asia/Shanghai
working_hours: {start: "08:30", end: "17:30"}
breaks: [{start: "12:00", end: "13:00"}]
weekend: [sunday]
holidays: [{from: 2026-05-11, to: 2026-05-12, name: 盘点}]
workdays: [{from: 2026-05-17, name: 补班}]
ical_holidays: [closures.ics]
""",
        encoding="utf-8",
    )
    calendar = load_calendar(path)
    assert calendar.intervals == (Interval(time(8, 30), time(12)), Interval(time(13), time(17, 30)))
    assert calendar.is_working_day(date(2026, 3, 7))  # Saturdays are working days here
    assert not calendar.is_working_day(date(2026, 5, 11))
    assert not calendar.is_working_day(date(2026, 5, 12))
    assert calendar.is_working_day(date(2026, 5, 17))  # a Sunday made a working day
    assert not calendar.is_working_day(date(2026, 6, 1))
    assert not calendar.is_working_day(date(2026, 6, 2))
    assert calendar.is_working_day(date(2026, 6, 3))  # an all-day DTEND is exclusive
    assert not calendar.is_working_day(date(2026, 6, 10))
    assert calendar.add(sh(2026, 5, 8, 17), IsoDuration.hours(1)) == sh(
        2026, 5, 9, 9, 0
    )  # Friday 16:30→17:30 is 30 min, Saturday opens 08:30


def test_ical_dates_cover_all_day_and_timed_events() -> None:
    assert ical_dates(ICAL) == {date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 10)}


def test_an_invalid_ical_document_is_refused() -> None:
    with pytest.raises(CalendarError, match="iCal"):
        ical_dates("this is not a calendar")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("timezone: Mars/Olympus", "timezone"),
        ('working_hours: {start: "18:00", end: "09:00"}', "working_hours"),
        ("weekend: [caturday]", "weekend.0"),
        ("holidays: [{from: 2026-05-12, to: 2026-05-11}]", "holidays.0"),
        ("public_holidays: us", "public_holidays"),
        ("tea_break: yes", "tea_break"),
        ('breaks: [{start: "08:00", end: "19:00"}]', "no working time"),
        ("ical_holidays: [missing.ics]", "cannot be read"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_key(text: str, named: str, tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=named):
        load_calendar(path)


def test_an_empty_file_is_the_default_calendar() -> None:
    assert parse_calendar("").intervals == (Interval(time(9), time(18)),)


def test_the_calendar_file_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOUSU_SLA_CALENDAR_FILE", str(tmp_path / "cal.yaml"))
    assert SlaConfig().calendar_file == tmp_path / "cal.yaml"
