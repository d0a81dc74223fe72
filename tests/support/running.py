"""Run a service app in-process (lifespan included) and wait for things to happen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx
from fastapi import FastAPI

T = TypeVar("T")


@asynccontextmanager
async def running(
    app: FastAPI, *, ready_timeout: float = 30, wait_ready: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (runtime, broker, relay), wait until /readyz (unless told not
    to: a service whose broker is down serves without being ready), yield a client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            if wait_ready:
                await eventually(lambda: _ready(client), timeout=ready_timeout, what="service ready")
            yield client


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    timeout: float = 20,  # noqa: ASYNC109 (a polling deadline, not a cancellation scope)
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll until check() returns something truthy; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
