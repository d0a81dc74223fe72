"""The weekly quality-inspection sample, pure: ISO weeks, the seeded draw, the scoring rules.

The sample is ``ceil(ratio × population)`` complaints (at least one when the population is not
empty), drawn with ``random.Random(seed).sample`` from the population's complaint numbers in
sorted order, so the same seed and the same population always give the same sample (Python
guarantees the generator's sequence for an integer seed across versions).
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.analytics.bounds import FIRST_YEAR, LAST_YEAR
from services.analytics.inspection.events import (
    SCORE_ITEMS,
    STREAM_PREFIX,
    QualityInspectionSampleDrawn,
)

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_SEED = 2**53 - 1
"""Seeds stay exact in JSON numbers read by JavaScript (and every other IEEE-754 reader)."""


class InvalidWeek(ValueError):
    """Not an ISO week of the form 2026-W47."""


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = WEEK_PATTERN.match(text)
        if match is None:
            raise InvalidWeek(f"{text!r} is not an ISO week like 2026-W47")
        year, week = int(match[1]), int(match[2])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidWeek(f"{text!r} is not a week of the years {FIRST_YEAR} to {LAST_YEAR}")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise InvalidWeek(f"{year} has no ISO week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def thursday(self) -> date:
        """Decides which month an ISO week belongs to (the ISO rule for years, applied to months)."""
        return self.monday + timedelta(days=3)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) in the organisation's time zone."""
        start = datetime.combine(self.monday, time(), zone)
        return start, datetime.combine(self.monday + timedelta(days=7), time(), zone)

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    @property
    def stream_id(self) -> str:
        return f"{STREAM_PREFIX}{self}"


def weeks_of_month(year: int, month: int) -> list[IsoWeek]:
    """The ISO weeks whose Thursday falls in the month (each week belongs to exactly one month)."""
    day = date(year, month, 1)
    weeks: list[IsoWeek] = []
    while day.month == month:
        if day.weekday() == 3:
            weeks.append(IsoWeek.of(day))
        day += timedelta(days=1)
    return weeks


def sample_size(population: int, ratio: float) -> int:
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(ratio * population - 1e-9)))


def population_digest(numbers: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(numbers)).encode()).hexdigest()


def draw(week: IsoWeek, population: Iterable[str], seed: int, ratio: float) -> QualityInspectionSampleDrawn:
    """The week's sample: reproducible from (seed, population)."""
    numbers = sorted(set(population))
    chosen = random.Random(seed).sample(numbers, sample_size(len(numbers), ratio))
    return QualityInspectionSampleDrawn(
        week=str(week),
        seed=seed,
        ratio=ratio,
        population=len(numbers),
        population_digest=population_digest(numbers),
        complaint_nos=sorted(chosen),
    )


def new_seed() -> int:
    """A fresh seed for a draw nobody gave one for (stored in the event, so still reproducible)."""
    return random.SystemRandom().randint(0, MAX_SEED)


def total(items: dict[str, int]) -> int:
    return sum(items[name] for name in SCORE_ITEMS)
