"""A complaint's row is the domain's folded state, and maps back to it without loss."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest

from services.analytics.complaints.rows import (
    JSON_COLUMNS,
    NOT_KEPT,
    NotAComplaintStream,
    ProjectedComplaint,
    complaint_from_row,
    complaint_row,
    step,
)
from shared.complaints import ComplaintState, fold_recorded
from shared.events import RecordedEvent
from tests.builders import NAMES, as_recorded, random_history

pytestmark = pytest.mark.unit


def project(records: list[RecordedEvent]) -> ProjectedComplaint:
    current: ProjectedComplaint | None = None
    for record in records:
        current, _ = step(current, record)
    assert current is not None
    return current


def through_the_database(row: dict[str, Any]) -> dict[str, Any]:
    """jsonb columns as a plain asyncpg connection returns them: text."""
    return {k: json.dumps(v) if k in JSON_COLUMNS else v for k, v in row.items()}


def without_comment(state: ComplaintState) -> ComplaintState:
    if state.feedback is None:
        return state
    return replace(state, feedback=state.feedback.model_copy(update={"comment": None}))


@pytest.mark.parametrize("seed", range(40))
def test_every_prefix_of_a_history_maps_to_the_aggregates_state_and_back(seed: int) -> None:
    rng = random.Random(seed)
    records = as_recorded(f"TS-U-{seed}", random_history(rng, f"TS-U-{seed}"))
    for n in range(1, len(records) + 1):
        projected = project(records[:n])
        assert projected.state == without_comment(fold_recorded(records[:n]))
        assert projected.updated_at == records[n - 1].occurred_at
        row = complaint_row(projected)
        read_back = complaint_from_row(through_the_database(row))
        unset = {name: getattr(ComplaintState.initial(), name) for name in NOT_KEPT}
        assert read_back == replace(projected, state=replace(projected.state, **unset))
        assert row["version"] == n
        assert row["sla_breaches"] == len(projected.state.sla_breaches)


def test_the_row_keeps_the_subject_and_only_sealed_personal_data() -> None:
    rng = random.Random(7)
    history = random_history(rng, "TS-U-X", max_steps=0)
    command = history[0][0]
    records = as_recorded("TS-U-X", history)
    row = complaint_row(project(records))
    text = json.dumps(row, default=str, ensure_ascii=False)
    assert row["subject"] == "投诉 TS-U-X"
    if getattr(command, "anonymous", False):
        assert row["complainant_id"] is None and row["personal_data"] is None
    else:
        assert row["complainant_id"] is not None and row["personal_data"]["alg"] == "AES-256-GCM"
    for secret in ("13800000000", "someone@example.com", "新买的洗衣机", *NAMES):
        assert secret not in text


def test_the_feedback_comment_is_not_kept() -> None:
    for seed in range(200):
        history = random_history(random.Random(seed), f"TS-U-{seed}")
        if any(getattr(command, "comment", None) for command, _ in history):
            records = as_recorded(f"TS-U-{seed}", history)
            projected = project(records)
            text = json.dumps(complaint_row(projected), default=str, ensure_ascii=False)
            assert "13900000000" not in text
            return
    pytest.fail("no history with a feedback comment")


def test_a_stream_that_does_not_start_with_received_is_refused() -> None:
    records = as_recorded("TS-U-Y", random_history(random.Random(3), "TS-U-Y"))
    assert len(records) > 1
    with pytest.raises(NotAComplaintStream):
        step(None, records[1])
