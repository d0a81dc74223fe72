"""The bounds on durations keep days and hours apart (shared/durations.py).

* The longest duration (P3660D) is compared on a wall clock, a day being 24 hours: P3660D,
  PT87840H and P3000DT15840H are all the longest; one second more of any is refused, and so is a
  count of hours past what a timedelta holds (a ValueError, never an OverflowError).
* The policy's max_extension compares days with days and hours with hours as written; mixed, both
  are counted from the clock's start the way the clock counts: on a working-time clock PT24H
  (24 working hours) does not fit under P1D (one working day), PT9H (one working day's hours)
  does; on a 24×7 clock PT24H is P1D.
* An over-long extension reaching the deadline formula is applied up to the longest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.deadlines import DeadlinePlanner, WallClockCalculator, warn_and_due
from services.sla.extensions import over_maximum
from services.sla.policy import (
    LONGEST,
    Counting,
    at_most_longest,
    longer_than_longest,
    parse_duration,
    parse_policy,
)
from services.sla.repository import Deadline
from shared.complaints import SlaStage
from shared.durations import IsoDuration
from tests.unit.sla.calendars import CN, sh
from tests.unit.sla.running_clocks import a_running_clock

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["P3660D", "PT87840H", "P3000DT15840H", "P522W6D", "PT1S"])
def test_up_to_the_longest_is_a_duration(text: str) -> None:
    assert not longer_than_longest(parse_duration(text))


@pytest.mark.parametrize(
    "text", ["P3661D", "P3660DT1S", "PT87841H", "P3000DT15841H", "P99999999999D", "PT999999999999H"]
)
def test_past_the_longest_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="P3660D"):
        parse_duration(text)


def test_an_over_long_extension_is_counted_as_the_longest() -> None:
    assert at_most_longest(IsoDuration(days=99_999_999)) == LONGEST
    assert at_most_longest(IsoDuration.hours(48)) == IsoDuration.hours(48)
    start = sh(2026, 1, 5, 10)
    _, due = warn_and_due(
        WallClockCalculator(), start, IsoDuration(days=3), 0.8, extension=IsoDuration(days=10**8)
    )
    assert due == start + timedelta(days=3) + LONGEST.total()


POLICY = parse_policy(
    """
grades:
  general: {resolution: {limit: P3D, counting: working}, first_response: PT24H}
  complex: {first_response: PT24H, resolution: P5D}
  urgent: {first_response: PT4H, resolution: PT24H}
max_extension:
  resolution: P1D
  first_response: P1D
"""
)
PLANNER = DeadlinePlanner(POLICY, calendar=CN)
EVE = sh(2026, 9, 30, 17)  # the eve of National Day: P1D of working time is Thu 8 October 17:00


def clock(stage: SlaStage, counting: Counting, approved: IsoDuration = IsoDuration()) -> Deadline:
    return a_running_clock(
        complaint_no="TS-20260930-0001", stage=stage, started_at=EVE, counting=counting, extension=approved
    )


@pytest.mark.parametrize(
    ("extension", "fits"), [("PT9H", True), ("PT10H", False), ("PT24H", False), ("P1D", True)]
)
def test_hours_against_a_maximum_in_days_on_a_working_clock(extension: str, fits: bool) -> None:
    over = over_maximum(PLANNER, clock(SlaStage.RESOLUTION, Counting.WORKING), IsoDuration.parse(extension))
    assert (over is None) is fits
    if over is not None:
        assert over["error"] == "extension_over_maximum" and over["max_extension"] == "P1D"


@pytest.mark.parametrize(("extension", "fits"), [("PT24H", True), ("PT25H", False)])
def test_hours_against_a_maximum_in_days_on_a_24x7_clock(extension: str, fits: bool) -> None:
    over = over_maximum(
        PLANNER, clock(SlaStage.FIRST_RESPONSE, Counting.ALWAYS), IsoDuration.parse(extension)
    )
    assert (over is None) is fits


def test_what_is_left_is_said_in_the_maximum_s_unit() -> None:
    working = clock(SlaStage.RESOLUTION, Counting.WORKING, approved=IsoDuration(days=1))
    over = over_maximum(PLANNER, working, IsoDuration(days=1))
    assert over is not None and over["approved_extension"] == "P1D"
    assert "at most nothing more" in over["message"]
