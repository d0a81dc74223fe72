"""The per-token rate limit: a burst, then one submission per refill interval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.intake.limits import TokenBuckets, retry_after
from shared.clock import FakeClock

pytestmark = pytest.mark.unit


def test_a_burst_then_refill_per_token() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(clock, rate_per_minute=60, burst=2)
    assert buckets.take("wechat") == 0 and buckets.take("wechat") == 0
    wait = buckets.take("wechat")
    assert wait == pytest.approx(1.0) and retry_after(wait) == "1"
    assert buckets.take("hotline") == 0  # every token has its own bucket
    clock.advance(timedelta(seconds=1))
    assert buckets.take("wechat") == 0
    clock.advance(timedelta(hours=1))  # refills only up to the burst
    assert [buckets.take("wechat") for _ in range(3)][-1] > 0
