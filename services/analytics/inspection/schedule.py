"""The weekly inspection schedule (TOUSU_ANALYTICS_INSPECTION_SCHEDULE=true): draw last week's
sample once it is over, with a fresh seed, as the service itself (actor ``service:analytics``).

Checked hourly; a week already drawn (by an operator or another analytics process) is refused by
the store's expected version 0 and left alone, so several processes may run the schedule.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from services.analytics.inspection.sample import IsoWeek, new_seed
from services.analytics.inspection.store import InspectionRefused, Inspections
from shared.events import Actor

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 3600


async def draw_last_week(inspections: Inspections, ratio: float) -> str | None:
    """Draw the previous ISO week if it has no sample yet; the week drawn, or None."""
    today = inspections.clock.now().astimezone(inspections.insights.zone).date()
    week = IsoWeek.of(today).previous()
    if (await inspections.week(week)).drawn is not None:
        return None
    try:
        await inspections.draw(week, new_seed(), ratio, Actor.service("analytics"))
    except InspectionRefused:
        return None
    log.info("quality inspection sample drawn", extra={"week": str(week)})
    return str(week)


def weekly_schedule(inspections: Inspections, ratio: float) -> Callable[[], Coroutine[Any, Any, None]]:
    async def inspection_schedule() -> None:
        while True:
            try:
                await draw_last_week(inspections, ratio)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the weekly inspection draw failed; trying again in an hour", exc_info=True)
            await asyncio.sleep(CHECK_EVERY_SECONDS)

    return inspection_schedule
