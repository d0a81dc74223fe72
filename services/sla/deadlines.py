"""Deadline arithmetic: when a clock started now warns and runs out.

The arithmetic sits behind :class:`DeadlineCalculator` so that a working-time calendar (a later
issue: weekends, public holidays, 调休) replaces :class:`WallClockCalculator` without touching
the rest of the service. For now every limit is counted 24×7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.sla.policy import SlaPolicy
from shared.clock import ensure_utc
from shared.complaints import Grade, SlaStage


class DeadlineCalculator(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of counted time has passed since ``start``."""
        ...


class WallClockCalculator:
    """Every second counts: 24×7."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return ensure_utc(start) + duration


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


@dataclass(frozen=True)
class DeadlinePlanner:
    """The policy's limits, counted by a calculator."""

    policy: SlaPolicy
    calculator: DeadlineCalculator

    def plan(self, grade: Grade, stage: SlaStage, started_at: datetime) -> Schedule:
        limit = self.policy.limit(grade, stage)
        fraction = self.policy.warn_fraction_for(grade)
        start = ensure_utc(started_at)
        due_at = self.calculator.add(start, limit)
        warn_at = min(self.calculator.add(start, limit * fraction), due_at)
        return Schedule(grade, stage, start, limit, fraction, warn_at, due_at)
