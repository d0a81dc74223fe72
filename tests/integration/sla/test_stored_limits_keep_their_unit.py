"""A working-hour limit of 24 hours or more is stored, re-read and re-computed as working hours;
a row written before (whose limit and extension kept a timedelta's days as days) reads with the
meaning it was counted with, and the first start after the fix re-computes the running
deadlines because the policy's fingerprint changed.

Instants counted by hand on the packaged calendar (09:00–18:00, 2026 holidays and 调休)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from services.sla import repository
from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.handlers import ClockKeeper
from services.sla.policy import parse_policy
from services.sla.replanning import apply_policy
from shared.calendar.config import load_calendar
from shared.complaints import Grade, SlaExtensionApproved, SlaStage
from shared.durations import IsoDuration
from shared.events import NewEvent
from tests.builders import service
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import DirectClocks, deadlines, running_clock

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESOLUTION = SlaStage.RESOLUTION
POLICY = parse_policy(
    """
warn_fraction: 0.8
grades:
  general: {first_response: PT12H, resolution: {limit: PT24H, counting: working}}
  complex: {first_response: PT12H, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: PT24H}
"""
)


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


async def test_a_24_working_hour_limit_round_trips_and_old_rows_keep_their_meaning(bare: Bare) -> None:
    planner = DeadlinePlanner(POLICY, WallClockCalculator(), calendar=load_calendar())
    clocks = DirectClocks(bare.engine, bare.store, keeper=ClockKeeper(planner, bare.clock))
    bare.clock.set(sh(9, 30, 17))  # the eve of National Day
    no = await bare.complaints.receive(Grade.GENERAL)
    await clocks.catch_up(no)

    row = running_clock(await deadlines(bare.engine, no), RESOLUTION)
    # Wed 1 h, Thu 8th 9 h, Fri 9 h, Sat 10th (调休) 5 h; 80 % = 19 h 12 min.
    assert (row.due_at, row.warn_at) == (sh(10, 10, 14), sh(10, 10, 9, 12))
    assert row.time_limit == IsoDuration.hours(24)
    assert row.extension == IsoDuration()

    # The same row as the code before the fix stored it: PT24H counted as one working day (due
    # Thursday 8th 17:00), limit and an approved P1D extension written as intervals of days.
    async with bare.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE sla_deadlines SET due_at = :due, warn_at = :warn, time_limit = interval '1 day', "
                "extension = interval '1 day' WHERE complaint_no = :no AND stage = 'resolution'"
            ),
            {"due": sh(10, 9, 17), "warn": sh(10, 9, 10), "no": no},
        )
        await repository.save_fingerprint(conn, "the policy as dumped before the fix", sh(9, 30, 17))
    old = running_clock(await deadlines(bare.engine, no), RESOLUTION)
    assert (old.time_limit, old.extension) == (IsoDuration(days=1), IsoDuration(days=1))

    # First start after the fix: the fingerprint differs, the running deadline is re-computed
    # with the limit's hours and the stored extension's day: Sat 10th 14:00 + 1 working day.
    changed = await apply_policy(bare.engine, planner, bare.clock)
    assert changed == 1
    row = running_clock(await deadlines(bare.engine, no), RESOLUTION)
    assert row.due_at == sh(10, 12, 14)
    assert (row.time_limit, row.extension) == (IsoDuration.hours(24), IsoDuration(days=1))

    # An extension of PT24H approved now is 24 working hours, summed apart from the day:
    # Mon 12th 14:00 + Mon 4, Tue 9, Wed 9, Thu 15th 2.
    approved = SlaExtensionApproved(stage=RESOLUTION, extension=IsoDuration.parse("PT24H"))
    version = await bare.store.stream_version(no)
    await bare.store.append(no, version, [NewEvent.of(approved, actor=service("sla"), clock=bare.clock)])
    [stored] = [r for r in await bare.store.read_stream(no) if r.type == "SlaExtensionApproved"]
    assert stored.payload["extension"] == "PT24H"
    await clocks.catch_up(no)
    row = running_clock(await deadlines(bare.engine, no), RESOLUTION)
    assert row.extension == IsoDuration(1, timedelta(hours=24))
    assert row.extension.isoformat() == "P1DT24H"
    assert row.due_at == sh(10, 15, 11)
