"""The revisit delay (回访时限) is 3 days unless TOUSU_FEEDBACK_REVISIT_HOURS says otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.feedback.config import FeedbackSettings

pytestmark = pytest.mark.unit


def test_three_days_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUSU_FEEDBACK_REVISIT_HOURS", raising=False)

    assert FeedbackSettings().revisit_delay == timedelta(days=3)
    assert FeedbackSettings().revisit_department == "customer_service"


def test_set_in_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_FEEDBACK_REVISIT_HOURS", "24")

    assert FeedbackSettings().revisit_delay == timedelta(hours=24)


@pytest.mark.parametrize("hours", ["0", "-1", "soon"])
def test_nonsense_is_refused(monkeypatch: pytest.MonkeyPatch, hours: str) -> None:
    monkeypatch.setenv("TOUSU_FEEDBACK_REVISIT_HOURS", hours)

    with pytest.raises(ValidationError, match="revisit_hours"):
        FeedbackSettings()
