"""A FixedClock answers the one instant it was given, in UTC, and refuses a naive one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.clock import FixedClock

pytestmark = pytest.mark.unit


def test_always_the_same_instant_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    clock = FixedClock(datetime(2026, 3, 2, 9, 30, tzinfo=shanghai))
    assert clock.now() == clock.now() == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        FixedClock(datetime(2026, 3, 2, 9, 30))
