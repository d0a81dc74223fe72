"""An IsoDuration keeps the days and the hours of an ISO-8601 duration as written (PT24H is not
P1D), and reads what was stored before it existed with the meaning it was counted with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.complaints import COMPLAINT_EVENTS, SlaExtensionApproved, SlaStage
from shared.durations import DurationError, IsoDuration, PositiveDuration

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "days", "time", "written"),
    [
        ("PT24H", 0, timedelta(hours=24), "PT24H"),
        ("PT72H", 0, timedelta(hours=72), "PT72H"),
        ("P1D", 1, timedelta(0), "P1D"),
        ("P1DT12H", 1, timedelta(hours=12), "P1DT12H"),
        ("P1W", 7, timedelta(0), "P7D"),
        ("PT90M", 0, timedelta(minutes=90), "PT1H30M"),
        ("pt1h30m15s", 0, timedelta(hours=1, minutes=30, seconds=15), "PT1H30M15S"),
        ("PT0.5S", 0, timedelta(milliseconds=500), "PT0.5S"),
        (" P2D ", 2, timedelta(0), "P2D"),
    ],
)
def test_parsed_and_written_back(text: str, days: int, time: timedelta, written: str) -> None:
    duration = IsoDuration.parse(text)
    assert (duration.days, duration.time) == (days, time)
    assert duration.isoformat() == written
    assert IsoDuration.parse(written) == duration


@pytest.mark.parametrize("text", ["12h", "P", "PT", "P1M", "P1Y", "PT-4H", "4", "P1DT", "12:00:00", ""])
def test_what_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(DurationError):
        IsoDuration.parse(text)


def test_24_hours_and_one_day_differ_but_are_as_long_on_a_wall_clock() -> None:
    assert IsoDuration.parse("PT24H") != IsoDuration.parse("P1D")
    assert IsoDuration.parse("PT24H").total() == IsoDuration.parse("P1D").total() == timedelta(days=1)


def test_sums_and_multiples_keep_days_with_days_and_hours_with_hours() -> None:
    assert IsoDuration.hours(12) + IsoDuration.hours(12) == IsoDuration.hours(24)
    assert IsoDuration(days=2) + IsoDuration.hours(30) == IsoDuration(2, timedelta(hours=30))
    assert 3 * IsoDuration.hours(24) == IsoDuration.hours(72)
    assert not IsoDuration() and IsoDuration().isoformat() == "PT0S"


def test_a_timedelta_reads_as_it_was_counted_before() -> None:
    # Before IsoDuration, a timedelta's whole days were counted as days.
    assert IsoDuration.of(timedelta(days=2)) == IsoDuration(days=2)
    assert IsoDuration.of(timedelta(hours=36)) == IsoDuration(1, timedelta(hours=12))
    assert IsoDuration.of(timedelta(hours=10)) == IsoDuration.hours(10)


def test_events_stored_before_read_with_their_old_meaning_and_new_ones_keep_the_hours() -> None:
    # pydantic wrote timedelta(hours=36) as "P1DT12H": one working day and 12 working hours,
    # which is how it was counted.
    old = COMPLAINT_EVENTS.model_for("SlaExtensionApproved").model_validate(
        {"stage": "resolution", "extension": "P1DT12H", "note": None}
    )
    assert isinstance(old, SlaExtensionApproved)
    assert old.extension == IsoDuration(1, timedelta(hours=12))
    new = SlaExtensionApproved(stage=SlaStage.RESOLUTION, extension=IsoDuration.hours(24))
    dumped = new.model_dump(mode="json")
    assert dumped["extension"] == "PT24H"
    assert SlaExtensionApproved.model_validate(dumped) == new


def test_json_schema_is_the_one_a_timedelta_had() -> None:
    assert TypeAdapter(IsoDuration).json_schema() == TypeAdapter(timedelta).json_schema()


class _Limit(BaseModel):
    limit: PositiveDuration


def test_a_positive_duration_refuses_zero_and_nonsense() -> None:
    assert _Limit(limit="PT24H").limit == IsoDuration.hours(24)  # type: ignore[arg-type]
    for bad in ("PT0S", "P0D", "soon", 24):
        with pytest.raises(ValidationError):
            _Limit(limit=bad)  # type: ignore[arg-type]
