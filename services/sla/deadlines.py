"""Deadline arithmetic: when a clock started now warns and runs out.

Each limit of the policy is counted either 24×7 (:class:`WallClockCalculator`) or on the business
calendar (:class:`services.sla.calendar.BusinessCalendar`), both behind
:class:`DeadlineCalculator`. The warning comes at ``warn_fraction`` of the *counted* time: 80 % of
a three-working-day limit is 80 % of its working hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from services.sla.calendar import BusinessCalendar
from services.sla.policy import Counting, SlaPolicy
from shared.clock import ensure_utc
from shared.complaints import Category, Grade, SlaStage


class DeadlineCalculator(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of counted time has passed since ``start``."""
        ...

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        """The instant at which ``fraction`` of the counted time from ``start`` to ``end`` has passed."""
        ...


class WallClockCalculator:
    """Every second counts: 24×7."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return ensure_utc(start) + duration

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        begin = ensure_utc(start)
        return begin + (ensure_utc(end) - begin) * fraction


@dataclass(frozen=True)
class Schedule:
    """When one clock started, when it warns and when it runs out."""

    grade: Grade
    stage: SlaStage
    started_at: datetime
    limit: timedelta
    warn_fraction: float
    warn_at: datetime
    due_at: datetime
    counting: Counting = Counting.ALWAYS
    unknown_years: frozenset[int] = frozenset()
    """Years the deadline reaches into whose public holidays the calendar does not know: the
    deadline was counted on plain weekdays there, and a warning event is due."""


@dataclass(frozen=True)
class DeadlinePlanner:
    """The policy's limits, each counted 24×7 or on the business calendar."""

    policy: SlaPolicy
    calculator: DeadlineCalculator = field(default_factory=WallClockCalculator)
    """Counts the 24×7 limits."""
    calendar: BusinessCalendar | None = None
    """Counts the working-time limits; without one they are counted by ``calculator`` too."""

    def plan(
        self, grade: Grade, stage: SlaStage, started_at: datetime, category: Category | None = None
    ) -> Schedule:
        target = self.policy.target(grade, stage, category)
        fraction = self.policy.warn_fraction_for(grade, category)
        start = ensure_utc(started_at)
        working = target.counting is Counting.WORKING and self.calendar is not None
        calculator: DeadlineCalculator = self.calendar if working and self.calendar else self.calculator
        due_at = calculator.add(start, target.limit)
        warn_at = min(calculator.part(start, due_at, fraction), due_at)
        unknown = self.calendar.unknown_years(start, due_at) if working and self.calendar else frozenset()
        return Schedule(
            grade, stage, start, target.limit, fraction, warn_at, due_at, target.counting, unknown
        )
