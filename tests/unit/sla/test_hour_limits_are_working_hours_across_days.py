"""Hour limits of a day or more (PT24H, PT48H, PT72H) are working hours on the calendar, never
working days: a 24-working-hour limit from the eve of a long holiday ends days after the holiday.

Every expected instant below was counted by hand on the packaged calendar (Asia/Shanghai,
09:00–18:00, nine working hours a day, no breaks; Saturday and Sunday off; the 2026 statutory
holidays and 调休 working weekends of chinese-calendar). The working hours used up each day are
in the comment of each row."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.sla.deadlines import DeadlinePlanner
from services.sla.policy import Counting, parse_policy
from shared.complaints import Grade, SlaStage
from shared.durations import IsoDuration
from tests.unit.sla.calendars import CN, sh

pytestmark = pytest.mark.unit

H = IsoDuration.hours

CASES = [
    # --- an ordinary week, over a weekend (March 2026 has no holiday) -----------------------
    # Friday 2026-03-06 10:00
    ("weekend", sh(2026, 3, 6, 10), 4, sh(2026, 3, 6, 14)),  # Fri 4
    ("weekend", sh(2026, 3, 6, 10), 8, sh(2026, 3, 6, 18)),  # Fri 8, ends at closing time
    ("weekend", sh(2026, 3, 6, 10), 24, sh(2026, 3, 10, 16)),  # Fri 8, Mon 9, Tue 7
    ("weekend", sh(2026, 3, 6, 10), 48, sh(2026, 3, 13, 13)),  # Fri 8, Mon–Thu 36, Fri 4
    ("weekend", sh(2026, 3, 6, 10), 72, sh(2026, 3, 18, 10)),  # Fri 8, 45, Mon–Tue 18, Wed 1
    # --- New Year: Thu 1 – Sat 3 January off, Sunday 4 January works (调休) --------------------
    # Wednesday 2025-12-31 14:00
    ("new year", sh(2025, 12, 31, 14), 4, sh(2025, 12, 31, 18)),  # Wed 4
    ("new year", sh(2025, 12, 31, 14), 8, sh(2026, 1, 4, 13)),  # Wed 4, Sun 4th 4
    ("new year", sh(2025, 12, 31, 14), 24, sh(2026, 1, 6, 11)),  # Wed 4, Sun 9, Mon 9, Tue 2
    ("new year", sh(2025, 12, 31, 14), 48, sh(2026, 1, 8, 17)),  # Wed 4, Sun–Wed 36, Thu 8
    ("new year", sh(2025, 12, 31, 14), 72, sh(2026, 1, 13, 14)),  # …49 Thu, Fri 9, Mon 9, Tue 5
    # --- Spring Festival: Sat 14 Feb works, Sun 15 – Mon 23 Feb off, Sat 28 Feb works ---------
    # Friday 2026-02-13 15:00
    ("spring festival", sh(2026, 2, 13, 15), 4, sh(2026, 2, 14, 10)),  # Fri 3, Sat 1
    ("spring festival", sh(2026, 2, 13, 15), 8, sh(2026, 2, 14, 14)),  # Fri 3, Sat 5
    ("spring festival", sh(2026, 2, 13, 15), 24, sh(2026, 2, 25, 12)),  # Fri 3, Sat 9, Tue 24th 9, Wed 3
    ("spring festival", sh(2026, 2, 13, 15), 48, sh(2026, 2, 27, 18)),  # Fri 3, Sat 9, Tue–Fri 36
    ("spring festival", sh(2026, 2, 13, 15), 72, sh(2026, 3, 3, 15)),  # …48, Sat 28th 9, Mon 9, Tue 6
    # --- Qingming: Sat 4 – Mon 6 April off, no 调休 -------------------------------------------
    # Friday 2026-04-03 11:00
    ("qingming", sh(2026, 4, 3, 11), 4, sh(2026, 4, 3, 15)),  # Fri 4
    ("qingming", sh(2026, 4, 3, 11), 8, sh(2026, 4, 7, 10)),  # Fri 7, Tue 1 (Monday is off)
    ("qingming", sh(2026, 4, 3, 11), 24, sh(2026, 4, 8, 17)),  # Fri 7, Tue 9, Wed 8
    ("qingming", sh(2026, 4, 3, 11), 48, sh(2026, 4, 13, 14)),  # Fri 7, Tue–Fri 36, Mon 5
    ("qingming", sh(2026, 4, 3, 11), 72, sh(2026, 4, 16, 11)),  # …52 Mon, Tue 9, Wed 9, Thu 2
    # --- Labour Day: Fri 1 – Tue 5 May off, Saturday 9 May works (调休) -----------------------
    # Thursday 2026-04-30 16:00
    ("labour day", sh(2026, 4, 30, 16), 4, sh(2026, 5, 6, 11)),  # Thu 2, Wed 2
    ("labour day", sh(2026, 4, 30, 16), 8, sh(2026, 5, 6, 15)),  # Thu 2, Wed 6
    ("labour day", sh(2026, 4, 30, 16), 24, sh(2026, 5, 8, 13)),  # Thu 2, Wed 9, Thu 9, Fri 4
    ("labour day", sh(2026, 4, 30, 16), 48, sh(2026, 5, 12, 10)),  # Thu 2, Wed–Sat 36, Mon 9, Tue 1
    ("labour day", sh(2026, 4, 30, 16), 72, sh(2026, 5, 14, 16)),  # …56 Tue, Wed 9, Thu 7
    # --- Dragon Boat: Fri 19 – Sun 21 June off, no 调休; a start at opening time -------------
    # Thursday 2026-06-18 09:00
    ("dragon boat", sh(2026, 6, 18, 9), 4, sh(2026, 6, 18, 13)),  # Thu 4
    ("dragon boat", sh(2026, 6, 18, 9), 8, sh(2026, 6, 18, 17)),  # Thu 8
    ("dragon boat", sh(2026, 6, 18, 9), 24, sh(2026, 6, 23, 15)),  # Thu 9, Mon 9, Tue 6
    ("dragon boat", sh(2026, 6, 18, 9), 48, sh(2026, 6, 26, 12)),  # Thu 9, Mon–Thu 36, Fri 3
    ("dragon boat", sh(2026, 6, 18, 9), 72, sh(2026, 6, 30, 18)),  # …54 Fri, Mon 9, Tue 9: closing
    # --- Sunday 20 September works (调休 of National Day) -------------------------------------
    # Friday 2026-09-18 14:00
    ("sunday 20 september", sh(2026, 9, 18, 14), 4, sh(2026, 9, 18, 18)),  # Fri 4
    ("sunday 20 september", sh(2026, 9, 18, 14), 8, sh(2026, 9, 20, 13)),  # Fri 4, Sun 4
    ("sunday 20 september", sh(2026, 9, 18, 14), 24, sh(2026, 9, 22, 11)),  # Fri 4, Sun 9, Mon 9, Tue 2
    ("sunday 20 september", sh(2026, 9, 18, 14), 48, sh(2026, 9, 24, 17)),  # Fri 4, Sun–Wed 36, Thu 8
    ("sunday 20 september", sh(2026, 9, 18, 14), 72, sh(2026, 9, 30, 14)),  # …49, Mon 28th 9, Tue 9, Wed 5
    # --- Mid-Autumn: Fri 25 – Sun 27 September off ---------------------------------------------
    # Thursday 2026-09-24 10:00
    ("mid-autumn", sh(2026, 9, 24, 10), 4, sh(2026, 9, 24, 14)),  # Thu 4
    ("mid-autumn", sh(2026, 9, 24, 10), 8, sh(2026, 9, 24, 18)),  # Thu 8
    ("mid-autumn", sh(2026, 9, 24, 10), 24, sh(2026, 9, 29, 16)),  # Thu 8, Mon 28th 9, Tue 7
    ("mid-autumn", sh(2026, 9, 24, 10), 48, sh(2026, 10, 9, 13)),  # Thu 8, Mon–Wed 27, Thu 8th 9, Fri 4
    ("mid-autumn", sh(2026, 9, 24, 10), 72, sh(2026, 10, 13, 10)),  # …53 Fri, Sat 10th 9, Mon 9, Tue 1
    # --- National Day: Thu 1 – Wed 7 October off, Saturday 10 October works (调休) ------------
    # Wednesday 2026-09-30 17:00, the eve of the holiday
    ("national day", sh(2026, 9, 30, 17), 4, sh(2026, 10, 8, 12)),  # Wed 1, Thu 8th 3
    ("national day", sh(2026, 9, 30, 17), 8, sh(2026, 10, 8, 16)),  # Wed 1, Thu 7
    ("national day", sh(2026, 9, 30, 17), 24, sh(2026, 10, 10, 14)),  # Wed 1, Thu 9, Fri 9, Sat 5
    ("national day", sh(2026, 9, 30, 17), 48, sh(2026, 10, 14, 11)),  # Wed 1, Thu–Sat 27, Mon 9, Tue 9, Wed 2
    ("national day", sh(2026, 9, 30, 17), 72, sh(2026, 10, 16, 17)),  # …55 Wed, Thu 9, Fri 8
    # --- starting on a 调休 working Saturday --------------------------------------------------
    # Saturday 2026-02-28 10:00
    ("adjusted saturday", sh(2026, 2, 28, 10), 4, sh(2026, 2, 28, 14)),  # Sat 4
    ("adjusted saturday", sh(2026, 2, 28, 10), 8, sh(2026, 2, 28, 18)),  # Sat 8
    ("adjusted saturday", sh(2026, 2, 28, 10), 24, sh(2026, 3, 3, 16)),  # Sat 8, Mon 9, Tue 7
    ("adjusted saturday", sh(2026, 2, 28, 10), 48, sh(2026, 3, 6, 13)),  # Sat 8, Mon–Thu 36, Fri 4
    ("adjusted saturday", sh(2026, 2, 28, 10), 72, sh(2026, 3, 11, 10)),  # …53 Fri, Mon 9, Tue 9, Wed 1
    # --- a start outside working time counts from the next opening ---------------------------
    # Saturday 2026-03-07 12:00 (weekend): from Monday 9 March 09:00
    ("out of hours: weekend", sh(2026, 3, 7, 12), 4, sh(2026, 3, 9, 13)),  # Mon 4
    ("out of hours: weekend", sh(2026, 3, 7, 12), 8, sh(2026, 3, 9, 17)),  # Mon 8
    ("out of hours: weekend", sh(2026, 3, 7, 12), 24, sh(2026, 3, 11, 15)),  # Mon 9, Tue 9, Wed 6
    ("out of hours: weekend", sh(2026, 3, 7, 12), 48, sh(2026, 3, 16, 12)),  # Mon–Fri 45, Mon 3
    ("out of hours: weekend", sh(2026, 3, 7, 12), 72, sh(2026, 3, 18, 18)),  # 45, Mon 9, Tue 9, Wed 9
    # Monday 2026-03-09 20:00 (evening): from Tuesday 10 March 09:00
    ("out of hours: evening", sh(2026, 3, 9, 20), 4, sh(2026, 3, 10, 13)),  # Tue 4
    ("out of hours: evening", sh(2026, 3, 9, 20), 8, sh(2026, 3, 10, 17)),  # Tue 8
    ("out of hours: evening", sh(2026, 3, 9, 20), 24, sh(2026, 3, 12, 15)),  # Tue 9, Wed 9, Thu 6
    ("out of hours: evening", sh(2026, 3, 9, 20), 48, sh(2026, 3, 17, 12)),  # Tue–Fri 36, Mon 9, Tue 3
    ("out of hours: evening", sh(2026, 3, 9, 20), 72, sh(2026, 3, 19, 18)),  # …45 Mon, Tue–Thu 27
    # Tuesday 2026-03-10 07:30 (early morning): from 09:00 the same day
    ("out of hours: morning", sh(2026, 3, 10, 7, 30), 4, sh(2026, 3, 10, 13)),  # Tue 4
    ("out of hours: morning", sh(2026, 3, 10, 7, 30), 24, sh(2026, 3, 12, 15)),  # Tue 9, Wed 9, Thu 6
    # Saturday 2026-10-03 10:00 (inside the National Day holiday): from Thursday 8 October 09:00
    ("out of hours: holiday", sh(2026, 10, 3, 10), 4, sh(2026, 10, 8, 13)),  # Thu 4
    ("out of hours: holiday", sh(2026, 10, 3, 10), 8, sh(2026, 10, 8, 17)),  # Thu 8
    ("out of hours: holiday", sh(2026, 10, 3, 10), 24, sh(2026, 10, 10, 15)),  # Thu 9, Fri 9, Sat 6
    ("out of hours: holiday", sh(2026, 10, 3, 10), 48, sh(2026, 10, 14, 12)),  # Thu–Sat 27, Mon–Tue 18, Wed 3
    ("out of hours: holiday", sh(2026, 10, 3, 10), 72, sh(2026, 10, 16, 18)),  # …54 Wed, Thu 9, Fri 9
]


@pytest.mark.parametrize(
    ("week", "start", "hours", "due"),
    CASES,
    ids=[f"{week}-PT{hours}H" for week, _, hours, _ in CASES],
)
def test_an_hour_limit_is_counted_in_working_hours(
    week: str, start: datetime, hours: int, due: datetime
) -> None:
    assert CN.add(start, H(hours)) == due


def test_24_working_hours_is_not_one_working_day() -> None:
    eve = sh(2026, 9, 30, 17)
    assert CN.add(eve, IsoDuration(days=1)) == sh(2026, 10, 8, 17)  # the next working day, same time
    assert CN.add(eve, H(24)) == sh(2026, 10, 10, 14)  # 24 working hours: 1 + 9 + 9 + 5
    assert CN.add(eve, IsoDuration(days=3)) == sh(2026, 10, 10, 17)
    assert CN.add(eve, H(72)) == sh(2026, 10, 16, 17)


def test_days_and_hours_together_are_working_days_then_working_hours() -> None:
    # P1DT24H from the eve: one working day (Thu 8th 17:00), then 24 working hours:
    # Thu 1, Fri 9, Sat 10th 9, Mon 12th 5.
    assert CN.add(sh(2026, 9, 30, 17), IsoDuration.parse("P1DT24H")) == sh(2026, 10, 12, 14)


POLICY = parse_policy(
    """
warn_fraction: 0.8
grades:
  general: {first_response: {limit: PT24H, counting: working}, resolution: {limit: PT72H, counting: working}}
  complex: {first_response: PT24H, resolution: PT72H}
  urgent: {first_response: PT4H, resolution: {limit: P3D, counting: working}}
"""
)
PLANNER = DeadlinePlanner(POLICY, calendar=CN)


def test_the_policy_keeps_the_hours_of_a_working_limit() -> None:
    target = POLICY.target(Grade.GENERAL, SlaStage.RESOLUTION)
    assert (target.limit, target.counting) == (H(72), Counting.WORKING)
    assert target.limit != IsoDuration(days=3)


def test_the_warning_is_at_80_percent_of_the_working_hours() -> None:
    # 80 % of 24 working hours = 19 h 12 min: Wed 1, Thu 9, Fri 9, Sat 10th 0 h 12 min.
    first = PLANNER.plan(Grade.GENERAL, SlaStage.FIRST_RESPONSE, sh(2026, 9, 30, 17))
    assert (first.warn_at, first.due_at) == (sh(2026, 10, 10, 9, 12), sh(2026, 10, 10, 14))
    # 80 % of 72 working hours = 57 h 36 min from Friday 6 March 10:00:
    # Fri 8, Mon–Fri 45 (53), Mon 16th 4 h 36 min.
    resolution = PLANNER.plan(Grade.GENERAL, SlaStage.RESOLUTION, sh(2026, 3, 6, 10))
    assert (resolution.warn_at, resolution.due_at) == (sh(2026, 3, 16, 13, 36), sh(2026, 3, 18, 10))


def test_24x7_hour_limits_still_run_on_the_wall_clock() -> None:
    eve = sh(2026, 9, 30, 17)
    first = PLANNER.plan(Grade.COMPLEX, SlaStage.FIRST_RESPONSE, eve)
    resolution = PLANNER.plan(Grade.COMPLEX, SlaStage.RESOLUTION, eve)
    assert first.due_at == sh(2026, 10, 1, 17)
    assert resolution.due_at == sh(2026, 10, 3, 17)


def test_day_limits_are_still_working_days() -> None:
    # P3D from the eve of National Day: Thu 8th, Fri 9th, Sat 10th (调休), same time of day.
    schedule = PLANNER.plan(Grade.URGENT, SlaStage.RESOLUTION, sh(2026, 9, 30, 17))
    assert schedule.due_at == sh(2026, 10, 10, 17)


def test_an_extension_in_hours_is_working_hours_too() -> None:
    # PT24H from the eve (Sat 10th 14:00), then PT24H more: Sat 4, Mon 12th 9, Tue 9, Wed 14th 2.
    extended = PLANNER.plan(Grade.GENERAL, SlaStage.FIRST_RESPONSE, sh(2026, 9, 30, 17), extension=H(24))
    assert extended.due_at == sh(2026, 10, 14, 11)
    # Two extensions summed keep their unit: PT12H + PT12H is 24 working hours, not a day.
    assert H(12) + H(12) == H(24) != IsoDuration(days=1)
