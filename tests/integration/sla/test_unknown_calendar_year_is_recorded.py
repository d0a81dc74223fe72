"""A working-time deadline reaching into a year the calendar does not know is counted on plain
weekdays, and an SlaCalendarYearUnknown event is recorded on the complaint — once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.sla.deadlines import DeadlinePlanner
from services.sla.handlers import ClockKeeper
from services.sla.policy import load_policy
from shared.calendar.config import load_calendar
from shared.complaints import COMPLAINT_EVENTS, Grade, SlaCalendarYearUnknown, SlaStage, fold_recorded
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import RESOLUTION, DirectClocks, clock_of, deadlines

pytestmark = pytest.mark.integration


def _clocks(bare: Bare) -> DirectClocks:
    keeper = ClockKeeper(DeadlinePlanner(load_policy(), calendar=load_calendar()), bare.clock)
    return DirectClocks(bare.engine, bare.store, keeper=keeper)


async def test_a_deadline_into_an_unknown_year_warns_once_on_the_stream(bare: Bare) -> None:
    bare.clock.set(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))  # Wednesday 10:00 in Shanghai
    clocks = _clocks(bare)
    no = await bare.complaints.receive(Grade.GENERAL)  # resolution: 3 working days
    await clocks.catch_up(no)

    row = clock_of(await deadlines(bare.engine, no), RESOLUTION)
    # Thu 31st, then plain weekdays in 2027: Fri 1st (a holiday the calendar cannot know), Mon 4th.
    assert row.due_at == datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    records = await bare.complaints.records(no)
    # One warning per working-time clock that reaches into 2027: initial plan and resolution.
    expected = ["ComplaintReceived", "SlaCalendarYearUnknown", "SlaCalendarYearUnknown"]
    assert [r.type for r in records] == expected
    warnings = [COMPLAINT_EVENTS.decode(record) for record in records[1:]]
    assert all(isinstance(warning, SlaCalendarYearUnknown) for warning in warnings)
    warning = warnings[-1]
    assert isinstance(warning, SlaCalendarYearUnknown)
    assert (warning.stage, warning.years, warning.deadline) == (SlaStage.RESOLUTION, [2027], row.due_at)
    assert {w.stage for w in warnings if isinstance(w, SlaCalendarYearUnknown)} == {
        SlaStage.INITIAL_PLAN,
        SlaStage.RESOLUTION,
    }
    assert "2027" in warning.message and "2027" in warning.message_zh
    assert records[2].causation_id == records[0].event_id
    assert records[2].actor.id == "sla"
    assert fold_recorded(records).version == 3  # the state only counts them

    await clocks.apply(records[0])  # redelivered: no second clock, no second warning
    assert [r.type for r in await bare.complaints.records(no)] == expected


async def test_a_deadline_within_known_years_records_nothing_more(bare: Bare) -> None:
    bare.clock.set(datetime(2026, 9, 29, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai
    clocks = _clocks(bare)
    no = await bare.complaints.receive(Grade.GENERAL)
    await clocks.catch_up(no)

    row = clock_of(await deadlines(bare.engine, no), RESOLUTION)
    # 3 working days across National Day: Wed 30th, Thu 8th, Fri 9th (10:00 Shanghai).
    assert row.due_at == datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    assert await bare.complaints.types(no) == ["ComplaintReceived"]
