"""Time is injected; the fake clock moves only when a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.clock import FakeClock, SystemClock, ensure_utc

pytestmark = pytest.mark.unit


def test_fake_clock_starts_at_a_fixed_utc_instant_and_stands_still() -> None:
    clock = FakeClock()
    assert clock.now() == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    assert clock.now() == clock.now()
    assert clock.now().tzinfo is UTC


def test_fake_clock_advances_and_is_set_by_hand() -> None:
    clock = FakeClock(datetime(2026, 2, 1, tzinfo=UTC))
    assert clock.advance(timedelta(hours=25)) == datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    assert clock.now() == datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    clock.set(datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert clock.now() == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_fake_clock_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="naive"):
        FakeClock(datetime(2026, 1, 1))
    clock = FakeClock()
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 1, 1))
    assert clock.now() == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def test_fake_clocks_are_independent() -> None:
    first, second = FakeClock(), FakeClock()
    first.advance(timedelta(days=1))
    assert second.now() == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def test_system_clock_is_aware_utc_and_current() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_ensure_utc_converts_and_refuses_naive() -> None:
    local = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert ensure_utc(local) == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    assert ensure_utc(local).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 5, 9, 0))
