"""Forgetting the sessions of the web pages once they are of no more use to anyone.

A session ended (signed out, revoked, idle) or expired stays listed for the admins for
``KEPT_AFTER_EXPIRY`` (30 days) after its absolute expiry — who signed in from where, and when —
and is then deleted. The service that owns sign-in (analytics) does this on a timer, so the table
stays small even when nobody signs in for a while; the time is the service's injected clock.

Several instances may prune at the same moment: the clean-up is one ``DELETE`` statement, and two
of them only wait for each other's row locks (the second deletes what is left, usually nothing).
No advisory lock is needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from shared.service.session import KEPT_AFTER_EXPIRY, Sessions

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
"""An hour: sessions expire by the minute, but a day-old one kept an hour longer costs nothing."""


async def prune_sessions(sessions: Sessions) -> int:
    """Delete the sessions that expired more than ``KEPT_AFTER_EXPIRY`` ago; how many."""
    pruned = await sessions.store.prune(sessions.clock.now() - KEPT_AFTER_EXPIRY)
    if pruned:
        log.info("old web sessions deleted", extra={"sessions": pruned})
    return pruned


def session_pruning(
    sessions: Sessions, every: float = PRUNE_EVERY_SECONDS
) -> Callable[[], Coroutine[Any, Any, None]]:
    """A background task for ``Runtime.background``: prunes at start, then every ``every`` seconds."""

    async def session_pruning() -> None:
        while True:
            try:
                await prune_sessions(sessions)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: the next round does it
                log.warning("deleting old web sessions failed; trying again later", exc_info=True)
            await asyncio.sleep(every)

    return session_pruning
