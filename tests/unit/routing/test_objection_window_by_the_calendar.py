"""The objection window counted on the business calendar as the routing API counts it: the end of
the working day the department was given the complaint, or of the next working day when that was
outside working hours (a Friday evening, a public holiday)."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.calendar.business import BusinessCalendar, china_public_holidays
from shared.complaints.errors import RejectionCode
from shared.complaints.stages.objection import AssignmentObjected
from shared.complaints.state import ComplaintState
from shared.events import Event
from tests.builders import apply, assign, object_to_assignment, receive, run
from tests.unit.sla.calendars import sh

pytestmark = pytest.mark.unit

CN = BusinessCalendar(public=china_public_holidays())


def objection(assigned: datetime, objected: datetime) -> list[Event]:
    state = run(ComplaintState.initial(), receive(when=assigned), assign(when=assigned))
    return apply(state, object_to_assignment(when=objected, calendar=CN))[1]


def in_time(assigned: datetime, objected: datetime) -> datetime:
    events = objection(assigned, objected)
    assert isinstance(events[0], AssignmentObjected), events
    return events[0].objected_until


def too_late(assigned: datetime, objected: datetime) -> bool:
    return getattr(objection(assigned, objected)[0], "reason_code", None) == RejectionCode.OBJECTION_TOO_LATE


def test_a_weekday_assignment_until_that_evening() -> None:
    assert in_time(sh(2026, 1, 7, 10), sh(2026, 1, 7, 17, 59)) == sh(2026, 1, 7, 18)
    assert too_late(sh(2026, 1, 7, 10), sh(2026, 1, 7, 18, 30))
    assert too_late(sh(2026, 1, 7, 10), sh(2026, 1, 8, 9, 5))


def test_a_friday_evening_assignment_until_monday_evening() -> None:
    friday_evening = sh(2026, 1, 9, 20)

    assert in_time(friday_evening, sh(2026, 1, 10, 11)) == sh(2026, 1, 12, 18)  # on Saturday
    assert in_time(friday_evening, sh(2026, 1, 12, 17)) == sh(2026, 1, 12, 18)
    assert too_late(friday_evening, sh(2026, 1, 12, 18, 1))


def test_a_friday_afternoon_assignment_ends_on_friday() -> None:
    assert too_late(sh(2026, 1, 9, 15), sh(2026, 1, 10, 11))


def test_an_assignment_on_a_public_holiday_until_the_next_working_day() -> None:
    # New Year 2026: Thursday 1 to Saturday 3 January off, Sunday 4 an adjusted working day
    assert in_time(sh(2026, 1, 1, 10), sh(2026, 1, 2, 10)) == sh(2026, 1, 4, 18)
    assert too_late(sh(2025, 12, 31, 15), sh(2026, 1, 2, 10))


def test_the_bounds_of_a_working_day() -> None:
    assert CN.working_day_bounds(sh(2026, 1, 12, 10)) == (sh(2026, 1, 9, 18), sh(2026, 1, 12, 18))
    assert CN.working_day_bounds(sh(2026, 1, 9, 19)) == (sh(2026, 1, 9, 18), sh(2026, 1, 12, 18))
