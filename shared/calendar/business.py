"""The business calendar (工作日历): which instants are working time, and deadline arithmetic on it.

A working day is a date that is not a weekend day, not a public holiday and not an organisation
holiday or closure, unless it is an adjusted working weekend (调休) or an organisation working
day. Its working time is the working hours (default 09:00–18:00) less the breaks, in the
calendar's time zone (default Asia/Shanghai).

Counting a duration on the calendar (:meth:`BusinessCalendar.add`):

* a start outside working time counts from the next working instant (a complaint received on
  Friday night starts its clock on Monday at 09:00);
* the days of the duration (``P3D``) are *working days*: the deadline is at the same time of
  day on the n-th following working day — and a deadline that falls exactly at the opening of a
  working day is shown as the close of the working day before (the same working instant);
* its hours, minutes and seconds (``PT12H``) are *working hours*, counted through the intervals
  and skipping breaks, nights and non-working days — however many: ``PT24H`` is 24 working hours
  (two days and six hours of a 09:00–18:00 calendar), not one working day. The duration is an
  :class:`~shared.durations.IsoDuration`, which keeps the two apart as the limit was written.

Chinese public holidays and 调休 come from the ``chinese-calendar`` package, for the years it
knows. A count that reaches into a year it does not know is done on plain weekdays (plus the
organisation's own days); :meth:`BusinessCalendar.unknown_years` names those years so the caller
can raise a visible warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.clock import ensure_utc
from shared.complaints.values import Label
from shared.durations import IsoDuration

MAX_DAYS_SEARCHED = 3660
"""A count that finds no working time in ten years stops with an error instead of looping."""


class CalendarError(ValueError):
    """The calendar cannot count: no working time at all, or none for years."""


@dataclass(frozen=True)
class Interval:
    """Working time within a working day, local time, ``start < end``."""

    start: time
    end: time


def working_intervals(opens: time, closes: time, breaks: Iterable[tuple[time, time]]) -> tuple[Interval, ...]:
    """The working hours ``opens``–``closes`` with the breaks cut out, in order."""
    if not opens < closes:
        raise CalendarError(f"working hours must open before they close, got {opens}–{closes}")
    intervals = [Interval(opens, closes)]
    for break_start, break_end in sorted(breaks):
        if not break_start < break_end:
            raise CalendarError(f"a break must start before it ends, got {break_start}–{break_end}")
        cut: list[Interval] = []
        for interval in intervals:
            if break_end <= interval.start or break_start >= interval.end:
                cut.append(interval)
                continue
            if interval.start < break_start:
                cut.append(Interval(interval.start, break_start))
            if break_end < interval.end:
                cut.append(Interval(break_end, interval.end))
        intervals = cut
    if not intervals:
        raise CalendarError("the breaks leave no working time in the day")
    return tuple(intervals)


@dataclass(frozen=True)
class PublicHolidays:
    """A country's public holidays and adjusted working days, for the years it knows."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    """The years these lists are complete for; an empty set means no public holidays are kept
    and every year counts as known (plain weekdays by design, no warning)."""
    names: Mapping[date, DayName] = field(default_factory=dict, compare=False, hash=False)
    """The festival each holiday and adjusted working day belongs to (for people, not counting)."""

    @property
    def enabled(self) -> bool:
        return bool(self.years)


class DayName(Label):
    """What a special day is called, in Chinese and in English."""

    def __str__(self) -> str:
        return self.zh_cn if self.zh_cn == self.en else f"{self.zh_cn} / {self.en}"


def china_public_holidays() -> PublicHolidays:
    """China's statutory holidays and 调休 working days from the chinese-calendar package."""
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    years = frozenset(day.year for day in holidays | workdays)
    names: dict[date, DayName] = {}
    for day, english in constants.holidays.items():
        festival = constants.Holiday(english)
        names[day] = DayName(zh_cn=festival.chinese, en=festival.value)
    for day, english in constants.workdays.items():
        festival = constants.Holiday(english)
        names[day] = DayName(
            zh_cn=f"{festival.chinese}调休上班", en=f"{festival.value}: adjusted working day"
        )
    return PublicHolidays(holidays, workdays, frozenset(range(min(years), max(years) + 1)), names)


class DayKind(StrEnum):
    """Why a day works or not, against a plain week."""

    PUBLIC_HOLIDAY = "public_holiday"
    """A statutory holiday on a weekday (法定节假日)."""
    ADJUSTED_WORKDAY = "adjusted_workday"
    """A weekend day worked in exchange for a holiday (调休上班)."""
    CLOSED = "closed"
    """The organisation's own holiday or closure on a weekday."""
    OPEN = "open"
    """The organisation's own extra working day on a weekend."""


@dataclass(frozen=True)
class SpecialDay:
    """A date whose working status differs from a plain week's (weekdays work, weekends do not)."""

    day: date
    working: bool
    kind: DayKind
    name: DayName | None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time: a time zone, daily working intervals, weekends, public and own days."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    intervals: tuple[Interval, ...] = (Interval(time(9), time(18)),)
    weekend: frozenset[int] = frozenset({5, 6})
    """ISO weekday numbers minus one, as ``date.weekday()``: 5 = Saturday, 6 = Sunday."""
    public: PublicHolidays = field(default_factory=PublicHolidays)
    closed: frozenset[date] = frozenset()
    """The organisation's own holidays and closures; they win over everything else."""
    open_days: frozenset[date] = frozenset()
    """The organisation's own extra working days (a Saturday it works)."""
    names: Mapping[date, DayName] = field(default_factory=dict, compare=False, hash=False)
    """Names of the organisation's own days, from the calendar file (for people, not counting)."""

    # --- days -----------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if day in self.closed:
            return False
        if day in self.open_days:
            return True
        if day in self.public.holidays:
            return False
        if day in self.public.workdays:
            return True
        return day.weekday() not in self.weekend

    def special_days(self, year: int) -> list[SpecialDay]:
        """The days of ``year`` that work when a plain week would not, or the other way round:
        weekday holidays and closures, weekend 调休 and organisation working days."""
        days: list[SpecialDay] = []
        for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            working, plain = self.is_working_day(day), day.weekday() not in self.weekend
            if working != plain:
                days.append(SpecialDay(day, working, *self._why(day, working)))
        return days

    def _why(self, day: date, working: bool) -> tuple[DayKind, DayName | None]:
        if day in self.closed:
            return DayKind.CLOSED, self.names.get(day)
        if day in self.open_days:
            return DayKind.OPEN, self.names.get(day)
        kind = DayKind.ADJUSTED_WORKDAY if working else DayKind.PUBLIC_HOLIDAY
        return kind, self.public.names.get(day)

    def year_known(self, year: int) -> bool:
        return not self.public.enabled or year in self.public.years

    def unknown_years(self, start: datetime, end: datetime) -> frozenset[int]:
        """Years between ``start`` and ``end`` (local dates) whose public holidays are unknown."""
        first, last = self._local(start).year, self._local(end).year
        return frozenset(year for year in range(first, last + 1) if not self.year_known(year))

    def _working_days(self, first: date) -> Iterator[date]:
        day = first
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)
        raise CalendarError(f"no working day in the {MAX_DAYS_SEARCHED} days from {first}")

    # --- instants ---------------------------------------------------------------------------

    def _local(self, instant: datetime) -> datetime:
        return ensure_utc(instant).astimezone(self.zone)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def _spans(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for interval in self.intervals:
            yield self._at(day, interval.start), self._at(day, interval.end)

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` itself when it is working time, else the next opening (UTC)."""
        now = ensure_utc(instant)
        for day in self._working_days(self._local(now).date()):
            for opens, closes in self._spans(day):
                if now < closes:
                    return max(now, opens)
        raise AssertionError("unreachable")  # pragma: no cover

    def working_day_bounds(self, instant: datetime) -> tuple[datetime, datetime]:
        """The working day that ``instant`` falls in, or the next one outside working time, as
        (the previous working day's close, its own close), both UTC. Something that happened
        after the first and is allowed "until the end of the working day" is still in time at
        ``instant``, until the second: an assignment on a Friday evening may be objected to
        until Monday's close, one on Wednesday morning not after Wednesday's."""
        day = self._local(self.next_working_instant(instant)).date()
        before = day - timedelta(days=1)
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(before):
                return self._at(before, self.intervals[-1].end), self._at(day, self.intervals[-1].end)
            before -= timedelta(days=1)
        raise CalendarError(f"no working day in the {MAX_DAYS_SEARCHED} days before {day}")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of working time has passed since ``start``."""
        now, left = ensure_utc(start), duration
        if left <= timedelta(0):
            return self.next_working_instant(now)
        for day in self._working_days(self._local(now).date()):
            for opens, closes in self._spans(day):
                if closes <= now:
                    continue
                begin = max(now, opens)
                if left <= closes - begin:
                    return begin + left
                left -= closes - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days after the working instant at ``start``."""
        now = self.next_working_instant(start)
        if days <= 0:
            return now
        local = self._local(now)
        days_after = self._working_days(local.date() + timedelta(days=1))
        for _ in range(days - 1):
            next(days_after)
        target = next(days_after)
        return self._at(target, local.time().replace(tzinfo=None))

    def add(self, start: datetime, duration: IsoDuration) -> datetime:
        """The duration's days as working days, then its hours as working hours (see the module)."""
        instant = self.add_working_days(start, duration.days)
        if duration.time > timedelta(0):
            return self.add_working_time(instant, duration.time)
        if duration.days > 0:
            return self._close_before_opening(instant)
        return instant

    def _close_before_opening(self, instant: datetime) -> datetime:
        """An instant at a working day's opening, shown as the previous working day's close."""
        local = self._local(instant)
        if local.time().replace(tzinfo=None) != self.intervals[0].start:
            return instant
        day = local.date() - timedelta(days=1)
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(day):
                return self._at(day, self.intervals[-1].end)
            day -= timedelta(days=1)
        return instant  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between two instants (zero when ``end`` is not later)."""
        begin, finish = ensure_utc(start), ensure_utc(end)
        total = timedelta(0)
        if finish <= begin:
            return total
        day = self._local(begin).date()
        last = self._local(finish).date()
        while day <= last:
            if self.is_working_day(day):
                for opens, closes in self._spans(day):
                    overlap = min(closes, finish) - max(opens, begin)
                    if overlap > timedelta(0):
                        total += overlap
            day += timedelta(days=1)
        return total

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        """The instant when ``fraction`` of the working time from ``start`` to ``end`` has passed."""
        used = self.working_time_between(start, end) * fraction
        return min(self.add_working_time(start, used), ensure_utc(end))

    def add_counted(self, start: datetime, counted: timedelta) -> datetime:
        """``start`` pushed by ``counted`` working time (a pause's working time); no push for zero."""
        if counted <= timedelta(0):
            return ensure_utc(start)
        return self.add_working_time(start, counted)

    def counted_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two instants: what a pause from ``start`` to ``end`` costs."""
        return self.working_time_between(start, end)
