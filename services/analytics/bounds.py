"""The months, days and ISO weeks the analytics API takes: 2000 to 2099, like every instant the
services accept (an intake ``received_at``, an SLA consent). Outside them there is nothing to
report, and month and week arithmetic near year 1 or 9999 runs off the calendar; such a
parameter is a 422 naming it, never a 500.

(No ``from __future__ import annotations``: FastAPI evaluates the annotations.)
"""

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import AfterValidator

from shared.clock import Clock

FIRST_YEAR = 2000
LAST_YEAR = 2099
EARLIEST_DAY = date(FIRST_YEAR, 1, 1)
LATEST_DAY = date(LAST_YEAR, 12, 31)

MONTH_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])$"
"""YYYY-MM from 2000-01 to 2099-12."""


def _in_range(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"the day must be from {EARLIEST_DAY} to {LATEST_DAY}")
    return day


Day = Annotated[date, AfterValidator(_in_range)]
"""A local calendar day from 2000-01-01 to 2099-12-31."""

MonthQ = Annotated[
    str | None,
    Query(
        pattern=MONTH_PATTERN,
        description="Local month YYYY-MM, 2000-01 to 2099-12 (default: this month).",
    ),
]


def month_of(text: str | None, clock: Clock, zone: ZoneInfo) -> date:
    """The first day of a YYYY-MM month (validated by MonthQ); default: this local month."""
    if text is None:
        return clock.now().astimezone(zone).date().replace(day=1)
    return date.fromisoformat(f"{text}-01")


def local_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant the organisation's local ``day`` begins."""
    return datetime.combine(day, time(), zone)
