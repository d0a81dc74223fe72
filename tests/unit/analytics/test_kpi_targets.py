"""Red/amber/green against targets, target overrides from the environment, and the empty slice."""

from __future__ import annotations

import pytest

from services.analytics.config import AnalyticsConfig
from services.analytics.kpis.queries import measure_nothing
from services.analytics.kpis.targets import (
    DEFAULT_TARGETS,
    Direction,
    Kpi,
    Rag,
    Target,
    effective_targets,
    rag,
)

pytestmark = pytest.mark.unit

AT_LEAST = Target(value=95, direction=Direction.AT_LEAST, amber_margin=5)
AT_MOST = Target(value=2, direction=Direction.AT_MOST, amber_margin=0.5)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (95, AT_LEAST, Rag.GREEN),
        (99.9, AT_LEAST, Rag.GREEN),
        (90, AT_LEAST, Rag.AMBER),
        (89.99, AT_LEAST, Rag.RED),
        (2, AT_MOST, Rag.GREEN),
        (2.5, AT_MOST, Rag.AMBER),
        (2.51, AT_MOST, Rag.RED),
        (None, AT_LEAST, None),
    ],
)
def test_rag(value: float | None, target: Target, expected: Rag | None) -> None:
    assert rag(value, target) is expected


def test_defaults_follow_the_brief() -> None:
    assert DEFAULT_TARGETS[Kpi.RESPONSE_TIMELINESS].value == 95
    assert DEFAULT_TARGETS[Kpi.SATISFACTION].value == 90
    assert DEFAULT_TARGETS[Kpi.COMPLAINT_RATE].direction is Direction.AT_MOST
    assert DEFAULT_TARGETS[Kpi.FORMAL_RESOLUTION].value == 100
    assert set(DEFAULT_TARGETS) == set(Kpi)


def test_targets_are_overridden_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TOUSU_ANALYTICS_TARGETS",
        '{"satisfaction": {"value": 85, "direction": "at_least", "amber_margin": 3}}',
    )
    targets = effective_targets(AnalyticsConfig().targets)
    assert targets[Kpi.SATISFACTION] == Target(value=85, direction=Direction.AT_LEAST, amber_margin=3)
    assert targets[Kpi.RESPONSE_TIMELINESS] == DEFAULT_TARGETS[Kpi.RESPONSE_TIMELINESS]


def test_an_empty_slice_has_no_values_rather_than_zero_rates() -> None:
    measured = measure_nothing()
    assert [m.code for m in measured] == list(Kpi)
    assert all(m.value is None for m in measured)
