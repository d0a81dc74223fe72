"""ComplaintRegraded changes the grade the read model keeps (so grade slices follow it)."""

from __future__ import annotations

import pytest

from services.analytics.complaints.rows import ProjectedComplaint, complaint_row, step, timeline_row
from shared.complaints import COMPLAINT_EVENTS, ComplaintState, Grade, RegradeComplaint, Status
from tests.builders import apply, as_recorded, at, path_to, supervisor

pytestmark = pytest.mark.unit


def test_a_regraded_complaint_has_its_new_grade_in_the_row_and_the_timeline() -> None:
    state, history = ComplaintState.initial(), []
    commands = [
        *path_to(Status.ACCEPTED),
        RegradeComplaint(actor=supervisor(), at=at(90), grade=Grade.URGENT, reason="安全隐患"),
    ]
    for command in commands:
        state, events = apply(state, command)
        history.append((command, events))
    records = as_recorded("TS-1", history)
    current: ProjectedComplaint | None = None
    grades = []
    for record in records:
        current, _ = step(current, record)
        grades.append(complaint_row(current)["grade"])
    assert grades[0] == "general" and grades[-1] == "urgent"
    last = records[-1]
    assert last.type == "ComplaintRegraded"
    summary = timeline_row(last, COMPLAINT_EVENTS.decode(last))["summary"]
    assert summary == {"grade": "urgent", "previous_grade": "general"}
