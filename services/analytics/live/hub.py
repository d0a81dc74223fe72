"""Live updates for the dashboard: PostgreSQL NOTIFY → one listener → Server-Sent Events.

The consumer, after projecting an event, calls ``pg_notify`` in its own transaction, so the
notification is delivered exactly when the read model's change commits (never before, never for
a rolled-back one). One background task per process LISTENs on a dedicated connection and fans
each notification out to the open event streams; every stream drops what its caller may not see
(an agent gets only the complaints their department leads or co-operates on).

The stream is ``GET /v1/live`` with the web pages' session cookie or an ``Authorization: Bearer``
header (machines): never a token in the query string, which ends up in access logs and browser
history. The page reads it with ``fetch`` and a stream reader.

A stream opened with the session cookie asks again, every few seconds, whether that session is
still live (``SessionCheck``): once it is signed out, revoked, expired, idle or its token left the
tokens file, the stream says ``session_ended`` and ends, and the page goes to sign in. Asking does
not count as use, so an open stream alone never keeps a session from going idle. A bearer stream
(a machine) is judged once, when it opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.service.auth import Principal

log = logging.getLogger(__name__)

CHANNEL = "tousu_analytics"


def _cooperating(alias: str) -> str:
    """The departments asked to co-operate (协同) on the complaint, from its timeline: they follow
    it live too."""
    return (
        "'cooperating', (SELECT coalesce(array_agg(DISTINCT t.summary->>'department'), '{}') "
        "FROM analytics_timeline t WHERE t.complaint_no = "
        f"{alias}.complaint_no AND t.type = 'CooperationRequested')"
    )


NOTIFY = text(
    "SELECT pg_notify(:channel, json_build_object("
    "'complaint_no', complaint_no, 'version', version, 'status', status, 'department', department, "
    f"{_cooperating('analytics_complaints')}, "
    "'type', CAST(:type AS text))::text) FROM analytics_complaints WHERE complaint_no = :no"
)


NOTIFY_MANY = text(
    "SELECT pg_notify(:channel, json_build_object("
    "'complaint_no', c.complaint_no, 'version', c.version, 'status', c.status, 'department', c.department, "
    f"{_cooperating('c')}, "
    "'type', u.type)::text) FROM unnest(CAST(:nos AS text[]), CAST(:types AS text[])) AS u(no, type) "
    "JOIN analytics_complaints c ON c.complaint_no = u.no"
)


async def notify_changed(conn: AsyncConnection, complaint_no: str, event_type: str) -> None:
    """Announce, at the commit of ``conn``'s transaction, that a complaint's row changed."""
    await conn.execute(NOTIFY, {"channel": CHANNEL, "no": complaint_no, "type": event_type})


async def notify_changes(conn: AsyncConnection, last_types: dict[str, str]) -> None:
    """``notify_changed`` for several complaints (complaint number → its last event's type), in one
    statement."""
    if last_types:
        numbers = list(last_types)
        await conn.execute(
            NOTIFY_MANY, {"channel": CHANNEL, "nos": numbers, "types": [last_types[n] for n in numbers]}
        )


class LiveHub:
    """Fans notifications out to subscribers; each subscriber is a bounded queue."""

    def __init__(self, engine: AsyncEngine, queue_size: int = 1000) -> None:
        self.engine = engine
        self.queue_size = queue_size
        self.subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self.listening = asyncio.Event()

    def publish(self, message: dict[str, Any]) -> None:
        for queue in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled reader misses updates, not memory
                queue.put_nowait(message)

    @contextlib.contextmanager
    def subscribe(self) -> Any:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self.queue_size)
        self.subscribers.add(queue)
        try:
            yield queue
        finally:
            self.subscribers.discard(queue)

    def _on_notification(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.publish(json.loads(payload))
        except ValueError:
            log.warning("ignoring a malformed analytics notification")

    async def listen(self) -> None:
        """Background task: LISTEN forever, reconnecting after a failure."""
        while True:
            try:
                async with self.engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None
                    await driver.add_listener(CHANNEL, self._on_notification)
                    self.listening.set()
                    try:
                        while True:
                            await asyncio.sleep(5)
                            await driver.execute("SELECT 1")  # notice a dead connection
                    finally:
                        self.listening.clear()
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(CHANNEL, self._on_notification)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("analytics live listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(1)


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


SessionCheck = Callable[[], Awaitable[bool]]
"""True while the session a stream was opened with is live."""

SESSION_ENDED = {
    "error": "session_ended",
    "message": "The session has ended (inactive too long, or signed out elsewhere); sign in again.",
    "message_zh": "登录已结束（长时间未操作，或已在别处退出），请重新登录。",
}


async def _still_live(session_live: SessionCheck) -> bool:
    """The session's answer; a database out of reach for a moment ends nothing (asked again later)."""
    try:
        return await session_live()
    except Exception:
        log.warning("could not check a live stream's session; checking again shortly", exc_info=True)
        return True


async def stream(
    hub: LiveHub,
    principal: Principal,
    keepalive: float,
    session_live: SessionCheck | None = None,
    check_every: float = 5.0,
) -> AsyncIterator[bytes]:
    """The events ``principal`` may see, a keep-alive comment after ``keepalive`` seconds of
    silence, and, with ``session_live``, the end of the stream within ``check_every`` seconds of
    its session's end."""
    loop = asyncio.get_running_loop()
    with hub.subscribe() as queue:
        yield _sse("hello", {"listening": hub.listening.is_set()})
        next_check = loop.time() + check_every if session_live is not None else float("inf")
        next_keepalive = loop.time() + keepalive
        while True:
            if loop.time() >= next_check:
                assert session_live is not None
                if not await _still_live(session_live):
                    yield _sse("session_ended", SESSION_ENDED)
                    return
                next_check = loop.time() + check_every
            if loop.time() >= next_keepalive:
                yield b": keep-alive\n\n"
                next_keepalive = loop.time() + keepalive
            try:
                message = await asyncio.wait_for(
                    queue.get(), timeout=max(0.0, min(next_keepalive, next_check) - loop.time())
                )
            except TimeoutError:
                continue
            involved = [message.get("department"), *(message.get("cooperating") or [])]
            if any(principal.sees_department(department) for department in involved):
                yield _sse("complaint", message)
                next_keepalive = loop.time() + keepalive
