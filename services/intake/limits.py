"""Limits on what channels send: a submission rate per token (429). (The request body size limit,
413, is every service's: shared/service/guard.py; intake's is TOUSU_INTAKE_MAX_BODY_BYTES.)

The rate limit is an in-process token bucket per authenticated subject (each channel token has
its own): ``burst`` submissions at once, refilled at ``rate_per_minute``. With several intake
processes each keeps its own buckets, so the effective limit is per process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from shared.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


@dataclass
class TokenBuckets:
    """One token bucket per key; ``take`` answers how many seconds to wait, 0 when allowed."""

    clock: Clock
    rate_per_minute: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str) -> float:
        now = self.clock.now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_minute / 60)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) * 60 / self.rate_per_minute


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
