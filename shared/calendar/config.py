"""The business calendar as data: ``calendar.yaml`` (or ``TOUSU_SLA_CALENDAR_FILE``), validated.

Organisation holidays, closures and extra working days are listed in the file or imported from
iCal files (every all-day or timed VEVENT marks the dates it covers). A bad file stops the
service with the key named, like the policy file.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.calendar.business import (
    BusinessCalendar,
    CalendarError,
    DayName,
    PublicHolidays,
    china_public_holidays,
    working_intervals,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _saturday_sunday() -> list[Weekday]:
    return ["saturday", "sunday"]


class Hours(BaseModel):
    """A span of local time within one day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time = Field(description="Local time it starts, e.g. 09:00.")
    end: time = Field(description="Local time it ends, e.g. 18:00.")

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if not self.start < self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class Days(BaseModel):
    """One date, or a range of dates (both ends included), with a name for people."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date = Field(alias="from", description="First date, YYYY-MM-DD.")
    end: date | None = Field(None, alias="to", description="Last date (included); omitted: one day.")
    name: str = Field("", description="What it is, e.g. 年会 / annual meeting.")

    @model_validator(mode="after")
    def _ordered(self) -> Days:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"to {self.end} is before from {self.start}")
        return self

    def dates(self) -> set[date]:
        last = self.end or self.start
        return {self.start + timedelta(days=n) for n in range((last - self.start).days + 1)}

    def named(self) -> dict[date, DayName]:
        """Its dates with its name, when it has one (the file's text, whatever its language)."""
        if not self.name.strip():
            return {}
        return dict.fromkeys(self.dates(), DayName(zh_cn=self.name.strip(), en=self.name.strip()))


class CalendarSettings(BaseModel):
    """The whole calendar file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the working hours.")
    working_hours: Hours = Field(
        Hours(start=time(9), end=time(18)), description="When the working day opens and closes."
    )
    breaks: list[Hours] = Field(default_factory=list, description="Breaks not counted, e.g. 12:00–13:00.")
    weekend: list[Weekday] = Field(default_factory=_saturday_sunday, description="Days off every week.")
    public_holidays: Literal["cn", "none"] = Field(
        "cn", description="cn: Chinese statutory holidays and 调休 (chinese-calendar); none."
    )
    holidays: list[Days] = Field(
        default_factory=list, description="The organisation's own holidays and closures."
    )
    workdays: list[Days] = Field(
        default_factory=list, description="The organisation's own extra working days."
    )
    ical_holidays: list[Path] = Field(
        default_factory=list, description="iCal files whose events are holidays or closures."
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value


def ical_dates(text: str | bytes) -> set[date]:
    """The dates the VEVENTs of an iCal document cover (an all-day DTEND is exclusive)."""
    from icalendar import Calendar

    try:
        document = Calendar.from_ical(text)
    except ValueError as error:
        raise CalendarError(f"not an iCal document: {error}") from None
    days: set[date] = set()
    for event in document.walk("VEVENT"):
        start = event.get("DTSTART")
        if start is None:
            continue
        first: date | datetime = start.dt
        end = event.get("DTEND")
        if isinstance(first, datetime):
            last_dt: datetime = end.dt if end is not None else first
            days.update(_span(first.date(), last_dt.date()))
        else:
            last = end.dt - timedelta(days=1) if end is not None else first
            days.update(_span(first, max(first, last)))
    return days


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def build_calendar(settings: CalendarSettings, base: Path | None = None) -> BusinessCalendar:
    """The calendar the settings describe; iCal paths are relative to ``base``."""
    closed: set[date] = set()
    names: dict[date, DayName] = {}
    for days in settings.holidays:
        closed |= days.dates()
        names.update(days.named())
    for path in settings.ical_holidays:
        full = path if path.is_absolute() or base is None else base / path
        try:
            from_ical = ical_dates(full.read_bytes())
        except OSError as error:
            raise CalendarError(f"iCal file {full} cannot be read: {error.strerror}") from None
        closed |= from_ical
        names.update({day: DayName(zh_cn=path.name, en=path.name) for day in from_ical if day not in names})
    open_days: set[date] = set()
    for days in settings.workdays:
        open_days |= days.dates()
        names.update(days.named())
    return BusinessCalendar(
        zone=ZoneInfo(settings.timezone),
        intervals=working_intervals(
            settings.working_hours.start,
            settings.working_hours.end,
            [(b.start, b.end) for b in settings.breaks],
        ),
        weekend=frozenset(WEEKDAYS.index(day) for day in settings.weekend),
        public=china_public_holidays() if settings.public_holidays == "cn" else PublicHolidays(),
        closed=frozenset(closed),
        open_days=frozenset(open_days),
        names=names,
    )


def parse_calendar(text: str, source: str = "SLA calendar", base: Path | None = None) -> BusinessCalendar:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CalendarError(f"{source} is not valid YAML: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CalendarError(f"{source} must be a mapping (timezone, working_hours, breaks, ...)")
    try:
        settings = CalendarSettings.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        )
        raise CalendarError(f"{source} is invalid: {problems}") from None
    try:
        return build_calendar(settings, base)
    except CalendarError as error:
        raise CalendarError(f"{source}: {error}") from None


def load_calendar(path: Path | None = None) -> BusinessCalendar:
    """The calendar in ``path``, or the packaged ``calendar.yaml``; raises CalendarError."""
    if path is None:
        text = (files("shared.calendar") / "calendar.yaml").read_text(encoding="utf-8")
        return parse_calendar(text, "the packaged SLA calendar")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarError(
            f"SLA calendar file {path} cannot be read (TOUSU_SLA_CALENDAR_FILE): {error.strerror}"
        ) from None
    return parse_calendar(text, f"SLA calendar file {path}", path.parent)
