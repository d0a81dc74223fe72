"""The weekly quality-inspection sample: 10 % (at least one), reproducible from the seed."""

from __future__ import annotations

from datetime import date

import pytest

from services.analytics.inspection.events import INSPECTION_EVENTS, QualityInspectionSampleDrawn
from services.analytics.inspection.sample import InvalidWeek, IsoWeek, draw, sample_size, weeks_of_month
from shared.complaints import COMPLAINT_EVENTS

pytestmark = pytest.mark.unit

WEEK = IsoWeek.parse("2026-W47")
POPULATION = [f"TS-{i:04d}" for i in range(57)]


def test_the_same_seed_and_week_give_the_same_sample_whatever_the_order() -> None:
    first = draw(WEEK, POPULATION, seed=42, ratio=0.1)
    again = draw(WEEK, list(reversed(POPULATION)), seed=42, ratio=0.1)
    assert first == again
    assert first.population == 57 and len(first.complaint_nos) == 6  # ceil(5.7)
    assert first.complaint_nos == sorted(first.complaint_nos)
    assert set(first.complaint_nos) <= set(POPULATION)


def test_another_seed_gives_another_sample() -> None:
    samples = {tuple(draw(WEEK, POPULATION, seed=seed, ratio=0.1).complaint_nos) for seed in range(20)}
    assert len(samples) > 15


@pytest.mark.parametrize(
    ("population", "ratio", "size"),
    [(0, 0.1, 0), (1, 0.1, 1), (9, 0.1, 1), (10, 0.1, 1), (11, 0.1, 2), (3, 1, 3)],
)
def test_the_sample_is_a_tenth_rounded_up_and_at_least_one(population: int, ratio: float, size: int) -> None:
    assert sample_size(population, ratio) == size


def test_an_empty_week_draws_nothing_but_is_still_recorded() -> None:
    drawn = draw(WEEK, [], seed=1, ratio=0.1)
    assert drawn.population == 0 and drawn.complaint_nos == []


def test_weeks_parse_and_belong_to_the_month_of_their_thursday() -> None:
    assert str(WEEK) == "2026-W47" and WEEK.monday == date(2026, 11, 16)
    assert WEEK.stream_id == "inspection-2026-W47"
    assert str(IsoWeek.parse("2026-W01").previous()) == "2025-W52"
    assert [str(w) for w in weeks_of_month(2026, 11)] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert str(weeks_of_month(2026, 12)[-1]) == "2026-W53"  # its Thursday is 31 December
    assert str(weeks_of_month(2027, 1)[0]) == "2027-W01"
    for bad in ("2026-47", "2026-W54", "2025-W53", "W47"):
        with pytest.raises(InvalidWeek):
            IsoWeek.parse(bad)


def test_the_events_have_their_own_registry_not_the_complaints() -> None:
    assert INSPECTION_EVENTS.types() == ["QualityInspectionSampleDrawn", "QualityInspectionScored"]
    assert not any(COMPLAINT_EVENTS.knows(t) for t in INSPECTION_EVENTS.types())
    assert QualityInspectionSampleDrawn.model_config.get("frozen")
