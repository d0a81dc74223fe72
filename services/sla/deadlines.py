"""Deadline arithmetic: when a clock started now warns and runs out.

Each limit of the policy is counted either 24×7 (:class:`WallClockCalculator`) or on the business
calendar (:class:`shared.calendar.business.BusinessCalendar`), both behind
:class:`DeadlineCalculator`. The warning comes at ``warn_fraction`` of the *counted* time: 80 % of
a three-working-day limit is 80 % of its working hours.

One formula, so that a deadline can always be re-computed (policy change, regrade, pause,
extension) from what is stored with the clock::

    due  = push(add(add(started_at, limit), extension), paused)
    warn = min(push(part(started_at, add(add(started_at, limit), extension), warn_fraction), paused), due)

``add`` counts the limit's days as working days and its hours as working hours on a working-time
limit (the limit is an :class:`~shared.durations.IsoDuration`, so ``PT24H`` stays 24 hours and
``P1D`` one day), the length of both on a 24×7 one; ``push`` adds counted time
(working time on the calendar, wall time 24×7): ``paused`` is the counted time the complaint spent
waiting on the complainant, so it is excluded from the deadline and survives a policy change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from services.sla.policy import Counting, SlaPolicy, at_most_longest
from shared.calendar.business import BusinessCalendar
from shared.clock import ensure_utc
from shared.complaints import Category, Grade, SlaStage
from shared.durations import IsoDuration


class DeadlineCalculator(Protocol):
    def add(self, start: datetime, duration: IsoDuration) -> datetime:
        """The instant at which ``duration`` (a limit or an extension) has passed since ``start``."""
        ...

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        """The instant at which ``fraction`` of the counted time from ``start`` to ``end`` has passed."""
        ...

    def add_counted(self, start: datetime, counted: timedelta) -> datetime:
        """``start`` pushed by ``counted`` time as this calculator counts it (hours, never days)."""
        ...

    def counted_between(self, start: datetime, end: datetime) -> timedelta:
        """How much counted time lies between two instants."""
        ...


class WallClockCalculator:
    """Every second counts: 24×7."""

    def add(self, start: datetime, duration: IsoDuration) -> datetime:
        return ensure_utc(start) + duration.total()

    def part(self, start: datetime, end: datetime, fraction: float) -> datetime:
        begin = ensure_utc(start)
        return begin + (ensure_utc(end) - begin) * fraction

    def add_counted(self, start: datetime, counted: timedelta) -> datetime:
        return ensure_utc(start) + max(counted, timedelta(0))

    def counted_between(self, start: datetime, end: datetime) -> timedelta:
        return max(ensure_utc(end) - ensure_utc(start), timedelta(0))


@dataclass(frozen=True)
class Schedule:
    """When one clock started, when it warns and when it runs out."""

    grade: Grade
    stage: SlaStage
    started_at: datetime
    limit: IsoDuration
    warn_fraction: float
    warn_at: datetime
    due_at: datetime
    counting: Counting = Counting.ALWAYS
    unknown_years: frozenset[int] = frozenset()
    """Years the deadline reaches into whose public holidays the calendar does not know: the
    deadline was counted on plain weekdays there, and a warning event is due."""
    category: Category | None = None
    extension: IsoDuration = field(default_factory=IsoDuration)
    """Approved extensions, summed (days with days, hours with hours), counted like the limit."""
    paused: timedelta = timedelta(0)
    """Counted time spent waiting on the complainant (finished pauses)."""


@dataclass(frozen=True)
class DeadlinePlanner:
    """The policy's limits, each counted 24×7 or on the business calendar."""

    policy: SlaPolicy
    calculator: DeadlineCalculator = field(default_factory=WallClockCalculator)
    """Counts the 24×7 limits."""
    calendar: BusinessCalendar | None = None
    """Counts the working-time limits; without one they are counted by ``calculator`` too."""

    def plan(
        self,
        grade: Grade,
        stage: SlaStage,
        started_at: datetime,
        category: Category | None = None,
        *,
        extension: IsoDuration = IsoDuration(),
        paused: timedelta = timedelta(0),
    ) -> Schedule:
        """The schedule of a clock of ``stage``; KeyError when the policy sets no such limit."""
        schedule = self.plan_if_set(grade, stage, started_at, category, extension=extension, paused=paused)
        if schedule is None:
            raise KeyError(f"the SLA policy sets no {stage.value} limit for {grade.value}")
        return schedule

    def plan_if_set(
        self,
        grade: Grade,
        stage: SlaStage,
        started_at: datetime,
        category: Category | None = None,
        *,
        extension: IsoDuration = IsoDuration(),
        paused: timedelta = timedelta(0),
    ) -> Schedule | None:
        """The schedule, or None when the policy runs no clock of ``stage`` for the grade."""
        target = self.policy.target_or_none(grade, stage, category)
        if target is None:
            return None
        fraction = self.policy.warn_fraction_for(grade, category)
        start = ensure_utc(started_at)
        calculator = self.calculator_for(target.counting)
        warn_at, due_at = warn_and_due(
            calculator, start, target.limit, fraction, extension=extension, paused=paused
        )
        working = target.counting is Counting.WORKING and self.calendar is not None
        unknown = self.calendar.unknown_years(start, due_at) if working and self.calendar else frozenset()
        return Schedule(
            grade,
            stage,
            start,
            target.limit,
            fraction,
            warn_at,
            due_at,
            target.counting,
            unknown,
            category,
            extension,
            paused,
        )

    def calculator_for(self, counting: Counting) -> DeadlineCalculator:
        """The calendar for working-time limits (when there is one), else the 24×7 calculator."""
        if counting is Counting.WORKING and self.calendar is not None:
            return self.calendar
        return self.calculator


def warn_and_due(
    calculator: DeadlineCalculator,
    start: datetime,
    limit: IsoDuration,
    fraction: float,
    *,
    extension: IsoDuration = IsoDuration(),
    paused: timedelta = timedelta(0),
) -> tuple[datetime, datetime]:
    """``(warn_at, due_at)`` of a limit counted by ``calculator`` from ``start``: the module's
    formula, shared by the service and ``tousu calendar due``."""
    allowed = calculator.add(start, limit)
    # however it got there (approved before extensions were bounded): a deadline stays countable
    extension = at_most_longest(extension)
    if extension:
        allowed = calculator.add(allowed, extension)
    due_at = _push(calculator, allowed, paused)
    warn_at = min(_push(calculator, calculator.part(start, allowed, fraction), paused), due_at)
    return warn_at, due_at


def _push(calculator: DeadlineCalculator, instant: datetime, paused: timedelta) -> datetime:
    return calculator.add_counted(instant, paused) if paused > timedelta(0) else instant
