"""Limits on what channels send: request body size (413) and a submission rate per token (429).

The rate limit is an in-process token bucket per authenticated subject (each channel token has
its own): ``burst`` submissions at once, refilled at ``rate_per_minute``. With several intake
processes each keeps its own buckets, so the effective limit is per process.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class BodyLimit:
    """Refuses request bodies larger than ``max_bytes`` with 413 before the app reads them.

    A declared Content-Length is checked up front; a chunked body is counted while it arrives.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            messages: list[Message] = []
            size = 0
            while True:
                message = await receive()
                messages.append(message)
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    await self._refuse(send)
                    return
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break

            async def replay() -> Message:
                return messages.pop(0) if messages else await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "too_large",
                "message": f"the request body exceeds {self.max_bytes} bytes",
                "message_zh": f"请求内容超过 {self.max_bytes} 字节上限",
                "max_bytes": self.max_bytes,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
