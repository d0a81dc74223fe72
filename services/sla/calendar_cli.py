"""`tousu calendar`: ask the configured business calendar, as the sla service would count.

due START DURATION [--counting working|24x7]   the deadline and its warning of a limit started at START
show YEAR                                      the days of YEAR that differ from a plain week

The calendar is ``TOUSU_SLA_CALENDAR_FILE`` (or the packaged ``shared/calendar/calendar.yaml``), the
warning fraction the policy's (``TOUSU_SLA_POLICY_FILE``); times are read and shown in the
organisation's time zone (``TOUSU_TIMEZONE``) unless START carries an offset. No database and no
running service are needed. Exit codes: 0 answered; 1 the calendar cannot answer (a year whose
public holidays it does not know, a bad calendar or policy file); 2 START, DURATION or YEAR
cannot be read. Every error is one line, in English and Chinese.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from services.sla.config import SlaConfig
from services.sla.deadlines import DeadlineCalculator, WallClockCalculator, warn_and_due
from services.sla.policy import Counting, PolicyError, load_policy
from shared.calendar.business import BusinessCalendar, CalendarError, DayKind, SpecialDay
from shared.calendar.config import load_calendar
from shared.clock import ensure_utc
from shared.durations import DurationError, IsoDuration
from shared.settings import load_settings

OK, FAILED, USAGE = 0, 1, 2
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
KIND_LABELS: dict[DayKind, tuple[str, str]] = {
    DayKind.PUBLIC_HOLIDAY: ("public holiday", "法定节假日"),
    DayKind.ADJUSTED_WORKDAY: ("adjusted working day", "调休上班"),
    DayKind.CLOSED: ("organisation holiday/closure", "单位休息日"),
    DayKind.OPEN: ("organisation working day", "单位工作日"),
}


class CalendarCliError(Exception):
    """A one-line answer instead of a deadline: ``code`` is the exit code."""

    def __init__(self, en: str, zh: str, code: int = USAGE) -> None:
        super().__init__(f"{en} / {zh}")
        self.code = code


# ---- reading the arguments (pure) -----------------------------------------------------------


def parse_start(text: str, zone: ZoneInfo) -> datetime:
    """An ISO-8601 date and time; without an offset it is local time in ``zone``."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CalendarCliError(
            f"START {text!r} is not an ISO-8601 date and time such as 2026-09-30T17:00 or "
            "2026-09-30T17:00+08:00",
            f"开始时间 {text!r} 不是 ISO-8601 日期时间（如 2026-09-30T17:00）",
        ) from None
    value = value.replace(tzinfo=zone) if value.tzinfo is None else value
    try:
        ensure_utc(value)
    except (ValueError, OverflowError):
        raise CalendarCliError(
            f"START {text!r} cannot be given in UTC (out of range)",
            f"开始时间 {text!r} 超出可计算范围",
        ) from None
    return value


def parse_limit(text: str) -> IsoDuration:
    """A positive ISO-8601 duration, days and hours kept apart as in the policy file."""
    try:
        duration = IsoDuration.parse(text)
    except DurationError:
        duration = None
    if not duration:
        raise CalendarCliError(
            f"DURATION {text!r} is not a positive ISO-8601 duration such as PT24H, P3D or P1DT12H",
            f"时限 {text!r} 不是大于零的 ISO-8601 时长（如 PT24H、P3D、P1DT12H）",
        )
    return duration


def parse_year(text: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not 1 <= year <= 9999:
        raise CalendarCliError(f"YEAR {text!r} is not a year such as 2026", f"年份 {text!r} 无效（如 2026）")
    return year


# ---- answering (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A limit counted from ``start``: when counting begins, warns and runs out (UTC)."""

    start: datetime
    counted_from: datetime
    warn_at: datetime
    due_at: datetime
    unknown_years: frozenset[int]


def count(
    calendar: BusinessCalendar, start: datetime, limit: IsoDuration, counting: Counting, fraction: float
) -> Due:
    """The schedule the sla service gives a clock of ``limit`` started at ``start``."""
    calculator: DeadlineCalculator = calendar if counting is Counting.WORKING else WallClockCalculator()
    try:
        warn_at, due_at = warn_and_due(calculator, start, limit, fraction)
    except (ValueError, OverflowError) as error:  # CalendarError, or a date past year 9999
        raise CalendarCliError(
            f"the calendar cannot count {limit} from {start.isoformat()}: {error}",
            f"无法按日历从 {start.isoformat()} 计算 {limit}",
            FAILED,
        ) from None
    working = counting is Counting.WORKING
    counted_from = calendar.next_working_instant(start) if working else start
    unknown = calendar.unknown_years(start, due_at) if working else frozenset()
    return Due(start, counted_from, warn_at, due_at, unknown)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def local(instant: datetime, zone: ZoneInfo) -> str:
    """``2026-10-10 14:00 周六 Sat`` (seconds only when there are some)."""
    value = instant.astimezone(zone)
    clock = "%H:%M:%S" if value.second or value.microsecond else "%H:%M"
    weekday = value.weekday()
    return f"{value.strftime('%Y-%m-%d ' + clock)} {WEEKDAYS_ZH[weekday]} {WEEKDAYS_EN[weekday]}"


def _clock(time: timedelta) -> tuple[str, str]:
    """``24 h`` / ``24 小时``, ``1 h 30 min`` / ``1 小时 30 分钟``."""
    seconds = round(time.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h", "小时"), (minutes, "min", "分钟"), (seconds, "s", "秒")]
    used = [(n, en, zh) for n, en, zh in parts if n] or [(0, "h", "小时")]
    return " ".join(f"{n} {en}" for n, en, _ in used), " ".join(f"{n} {zh}" for n, _, zh in used)


def describe_limit(limit: IsoDuration, counting: Counting) -> str:
    """How the limit is counted, in words: the point of this command."""
    if counting is Counting.ALWAYS:
        en, zh = _clock(limit.total())
        return f"{limit}: {en} on the wall clock, every hour counts (24x7) / 全天候计时 {zh}"
    parts_en: list[str] = []
    parts_zh: list[str] = []
    if limit.days:
        parts_en.append(f"{limit.days} working day{'s' if limit.days != 1 else ''}")
        parts_zh.append(f"{limit.days} 个工作日")
    if limit.time:
        en, zh = _clock(limit.time)
        parts_en.append(f"{en} of working time")
        parts_zh.append(f"{zh}工作时间")
    return f"{limit}: {' + '.join(parts_en)} on the business calendar / 按工作日历计 {' + '.join(parts_zh)}"


def describe_calendar(calendar: BusinessCalendar, source: str) -> str:
    hours = ", ".join(f"{i.start:%H:%M}–{i.end:%H:%M}" for i in calendar.intervals)
    weekend = " ".join(WEEKDAYS_EN[day] for day in sorted(calendar.weekend)) or "none"
    if calendar.public.enabled:
        public = f"cn (chinese-calendar knows {min(calendar.public.years)}–{max(calendar.public.years)})"
    else:
        public = "none"
    zone = calendar.zone.key
    return f"{source}: {zone}, working hours {hours}, weekend {weekend}, public holidays {public}"


def due_lines(
    due: Due,
    limit: IsoDuration,
    counting: Counting,
    fraction: float,
    calendar: BusinessCalendar,
    source: str,
    zone: ZoneInfo,
) -> list[str]:
    share = f"{fraction:.0%}"
    of_what = ("the working time", "工作时间") if counting is Counting.WORKING else ("the time", "时限")
    rows: list[tuple[str, str]] = [
        ("calendar 日历", describe_calendar(calendar, source)),
        ("zone 时区", f"{zone.key}: every time below is local time there / 以下时间均为该时区当地时间"),
        ("start 开始", local(due.start, zone)),
    ]
    if due.counted_from != due.start:
        rows.append(
            (
                "counts from 起算",
                f"{local(due.counted_from, zone)} (the start is outside working time / 开始时不在工作时间内)",
            )
        )
    rows += [
        ("limit 时限", describe_limit(limit, counting)),
        ("warning 预警", f"{local(due.warn_at, zone)} ({share} of {of_what[0]} / {of_what[1]}的 {share})"),
        ("deadline 截止", f"{local(due.due_at, zone)} (UTC {due.due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"),
    ]
    if due.unknown_years:
        years = ", ".join(str(year) for year in sorted(due.unknown_years))
        rows.append(
            (
                "note 注意",
                f"the public holidays of {years} are not known: counted on plain weekdays there / "
                f"{years} 年的法定节假日未知，按普通工作日计算",
            )
        )
    width = max(_width(label) for label, _ in rows) + 2
    return [_pad(label, width) + text for label, text in rows]


def show_lines(calendar: BusinessCalendar, year: int, source: str) -> list[str]:
    """The days of ``year`` that differ from a plain week, one a line, with their names."""
    if not calendar.year_known(year):
        known = sorted(calendar.public.years)
        raise CalendarCliError(
            f"the calendar does not know the public holidays of {year} (chinese-calendar knows "
            f"{known[0]}–{known[-1]}); deadlines reaching into it are counted on plain weekdays",
            f"日历不知道 {year} 年的法定节假日（已知 {known[0]}–{known[-1]} 年）",
            FAILED,
        )
    weekend = " ".join(WEEKDAYS_EN[day] for day in sorted(calendar.weekend)) or "none"
    weekend_zh = "、".join(WEEKDAYS_ZH[day] for day in sorted(calendar.weekend)) or "无"
    days = calendar.special_days(year)
    lines = [
        f"{year}: days that differ from a plain week ({weekend} off, the other days working) / "
        f"与常规周（{weekend_zh}休息，其余上班）不同的日子",
        describe_calendar(calendar, source),
    ]
    lines += [_day_line(day) for day in days]
    off = sum(1 for day in days if not day.working)
    on = len(days) - off
    lines.append(
        f"{len(days)} days: {off} weekdays off, {on} weekend days working / "
        f"共 {len(days)} 天：工作日休息 {off} 天，周末上班 {on} 天"
    )
    return lines


def _day_line(day: SpecialDay) -> str:
    status = ("班 working" if day.working else "休 off").ljust(len("班 working"))
    en, zh = KIND_LABELS[day.kind]
    name = str(day.name) if day.name else f"{zh} / {en}"
    weekday = day.day.weekday()
    return f"{day.day.isoformat()} {WEEKDAYS_ZH[weekday]} {WEEKDAYS_EN[weekday]}  {status}  {name}"


# ---- commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Configured:
    calendar: BusinessCalendar
    source: str
    warn_fraction: float
    zone: ZoneInfo


def configured() -> Configured:
    """The calendar, policy and zone the sla service would use, from the environment."""
    try:
        config = SlaConfig()
        zone = ZoneInfo(load_settings().timezone)
        calendar = load_calendar(config.calendar_file)
        policy = load_policy(config.policy_file)
    except (CalendarError, PolicyError) as error:
        raise CalendarCliError(str(error), "工作日历或时限策略文件无效", FAILED) from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CalendarCliError(f"bad setting {where}: {first['msg']}", "环境变量设置无效", FAILED) from None
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarCliError(f"TOUSU_TIMEZONE: {error}", "TOUSU_TIMEZONE 不是有效时区", FAILED) from None
    source = (
        f"TOUSU_SLA_CALENDAR_FILE {config.calendar_file}"
        if config.calendar_file
        else "shared/calendar/calendar.yaml (packaged)"
    )
    return Configured(calendar, source, policy.warn_fraction, zone)


def run_due(start_text: str, duration_text: str, counting_text: str, out: TextIO) -> int:
    counting = Counting(counting_text)
    setup = configured()
    start = parse_start(start_text, setup.zone)
    limit = parse_limit(duration_text)
    due = count(setup.calendar, start, limit, counting, setup.warn_fraction)
    lines = due_lines(due, limit, counting, setup.warn_fraction, setup.calendar, setup.source, setup.zone)
    print("\n".join(lines), file=out)
    return OK


def run_show(year_text: str, out: TextIO) -> int:
    year = parse_year(year_text)
    setup = configured()
    print("\n".join(show_lines(setup.calendar, year, setup.source)), file=out)
    return OK


def _refused(command: str, error: CalendarCliError) -> int:
    print(f"tousu calendar {command}: {error}", file=sys.stderr)
    return error.code


def cmd_due(args: argparse.Namespace) -> int:
    try:
        return run_due(args.start, args.duration, args.counting, sys.stdout)
    except CalendarCliError as error:
        return _refused("due", error)


def cmd_show(args: argparse.Namespace) -> int:
    try:
        return run_show(args.year, sys.stdout)
    except CalendarCliError as error:
        return _refused("show", error)
