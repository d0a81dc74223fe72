"""What a benchmark produces: figures (medians over repeated runs) and ratios between them."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured quantity: the median of ``runs``, each measured on its own."""

    case: str
    unit: str
    runs: list[float]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "unit": self.unit,
            "median": self.median,
            "runs": self.runs,
            "params": self.params,
        }


@dataclass
class Ratio:
    """``numerator / denominator`` of two figures of the same run, against the target it must meet."""

    name: str
    value: float
    target: float | None = None
    """The least acceptable value (None: reported only); the greatest when ``at_most``."""
    at_most: bool = False
    """The target is an upper bound (a latency), not a lower one."""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.at_most else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": self.target,
            "at_most": self.at_most,
            "met": self.met,
        }


@dataclass
class BenchResult:
    """One benchmark's figures, ratios and notes."""

    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, case: str, **params: Any) -> Figure:
        """The figure of ``case`` with exactly these ``params``; KeyError when absent."""
        for figure in self.figures:
            if figure.case == case and all(figure.params.get(k) == v for k, v in params.items()):
                return figure
        raise KeyError(f"{self.name}: no figure {case} {params}")

    def ratio(self, name: str, numerator: Figure, denominator: Figure, target: float | None = None) -> Ratio:
        value = numerator.median / denominator.median if denominator.median else float("nan")
        ratio = Ratio(name, value, target)
        self.ratios.append(ratio)
        return ratio

    def bound(self, name: str, figure: Figure, at_most: float | None) -> Ratio:
        """A figure checked against an upper bound (e.g. a p99 latency), listed with the ratios."""
        ratio = Ratio(name, figure.median, at_most, at_most=True)
        self.ratios.append(ratio)
        return ratio

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "seconds": self.seconds,
            "figures": [f.as_dict() for f in self.figures],
            "ratios": [r.as_dict() for r in self.ratios],
            "notes": self.notes,
        }


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    """Seconds ``work`` took, on the monotonic clock."""
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
