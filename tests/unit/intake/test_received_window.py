"""The received_at window: 30 days back and 5 minutes ahead unless configured; the import
window takes any past instant and still refuses the future."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.intake.config import IntakeSettings
from services.intake.window import IMPORT_WINDOW, LIVE_WINDOW, ReceivedWindow
from tests.builders import T0

pytestmark = pytest.mark.unit


def test_the_documented_defaults() -> None:
    assert IntakeSettings().received_window() == LIVE_WINDOW
    assert ReceivedWindow(max_age=timedelta(days=30), max_skew=timedelta(minutes=5)) == LIVE_WINDOW


def test_the_window_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS", "90")
    monkeypatch.setenv("TOUSU_INTAKE_RECEIVED_MAX_SKEW_SECONDS", "30")
    window = IntakeSettings().received_window()
    assert window == ReceivedWindow(max_age=timedelta(days=90), max_skew=timedelta(seconds=30))


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (timedelta(days=-30), None),
        (timedelta(days=-30, microseconds=-1), "received_at_too_old"),
        (timedelta(minutes=5), None),
        (timedelta(minutes=5, microseconds=1), "received_at_in_future"),
    ],
    ids=["30 days back", "just older", "5 minutes ahead", "just later"],
)
def test_the_edges_of_the_live_window(offset: timedelta, code: str | None) -> None:
    refusal = LIVE_WINDOW.refusal(T0 + offset, T0)
    assert (refusal[0] if refusal else None) == code


def test_the_import_window_has_no_past_limit_but_no_future() -> None:
    assert IMPORT_WINDOW.refusal(T0 - timedelta(days=9000), T0) is None
    refusal = IMPORT_WINDOW.refusal(T0 + timedelta(hours=1), T0)
    assert refusal is not None and refusal[0] == "received_at_in_future"
