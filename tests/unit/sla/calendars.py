"""Shared helpers of the business-calendar unit tests: local instants and ready-made calendars."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from shared.calendar.business import BusinessCalendar, china_public_holidays, working_intervals

SHANGHAI = ZoneInfo("Asia/Shanghai")

CN = BusinessCalendar(public=china_public_holidays())
"""The default calendar: Asia/Shanghai, 09:00–18:00, Saturday and Sunday off, Chinese holidays."""

CN_LUNCH = BusinessCalendar(
    public=china_public_holidays(), intervals=working_intervals(time(9), time(18), [(time(12), time(13))])
)
"""The same with a lunch break 12:00–13:00."""


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in Shanghai local time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
