"""Regrading (改级) records the old and new grade and the reason; a no-op regrade is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.complaints import (
    BASE_GRADE,
    CommandRejected,
    Complainant,
    ComplaintReceived,
    ComplaintRegraded,
    Grade,
    RegradeComplaint,
    decide,
    fold,
)
from shared.complaints.values import Category, Channel, ComplainantKind
from shared.events import Actor, Role
from tests.builders import sealed_complainant

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
AGENT = Actor(role=Role.AGENT, id="a1", department="quality")


def received() -> ComplaintReceived:
    return ComplaintReceived(
        complaint_no="TS-1",
        channel=Channel.HOTLINE,
        complainant_kind=ComplainantKind.CUSTOMER,
        **sealed_complainant("TS-1", Complainant(name="张伟")),
        category=Category.PRODUCT_QUALITY,
        subject="s",
        content="c",
        received_at=AT,
    )


def test_regrade_records_old_and_new_grade() -> None:
    state = fold([received()])
    events = decide(state, RegradeComplaint(actor=AGENT, at=AT, grade=Grade.URGENT, reason="孩子受伤"))
    assert events == [ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="孩子受伤")]
    assert fold(events, state).grade is Grade.URGENT


def test_regrading_to_the_same_grade_is_refused() -> None:
    events = decide(fold([received()]), RegradeComplaint(actor=AGENT, at=AT, grade=Grade.GENERAL, reason="x"))
    assert isinstance(events[0], CommandRejected) and events[0].reason_code == "same_grade"


def test_channels_may_not_regrade() -> None:
    channel = Actor(role=Role.CHANNEL, id="c")
    events = decide(
        fold([received()]), RegradeComplaint(actor=channel, at=AT, grade=Grade.URGENT, reason="x")
    )
    assert isinstance(events[0], CommandRejected) and events[0].reason_code == "not_permitted"


def test_every_grade_has_a_base_grade_for_sla_policies() -> None:
    assert set(BASE_GRADE) == set(Grade)
    assert set(BASE_GRADE.values()) == {Grade.GENERAL, Grade.COMPLEX, Grade.URGENT}
