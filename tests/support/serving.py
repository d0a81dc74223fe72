"""Serve an app on a real port (uvicorn on the test's event loop), for clients that cannot run on
that loop: blocking ones, called from a worker thread."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.running import eventually


def a_free_socket() -> socket.socket:
    """A socket bound to a free port: its number can be handed out before the app serves on it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def served(
    app: FastAPI, *, sock: socket.socket | None = None, ready_timeout: float = 30
) -> AsyncIterator[str]:
    """Start the app (lifespan included) on ``sock`` (else a free port), wait until /readyz,
    yield its base URL; stop it when the block ends."""
    sock = sock or a_free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(base_url=url) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=ready_timeout, what=f"{app.title} ready")
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()
