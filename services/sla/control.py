"""The SLA policy in force, shared by the consumer, the fire loop and the API, and how it is replaced."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from services.sla.deadlines import DeadlinePlanner
from services.sla.firing import DeadlineFirer
from services.sla.handlers import ClockKeeper
from services.sla.policy import load_policy
from services.sla.replanning import apply_policy, fingerprint
from shared.calendar.business import BusinessCalendar
from shared.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class SlaControl:
    """The policy in force, shared by the consumer and the fire loop, and how it is replaced."""

    engine: AsyncEngine
    clock: Clock
    keeper: ClockKeeper
    firer: DeadlineFirer
    calendar: BusinessCalendar
    policy_file: Path | None

    @property
    def planner(self) -> DeadlinePlanner:
        return self.keeper.planner

    async def apply(self) -> int | None:
        """Re-compute the running deadlines if they were computed with another policy."""
        return await apply_policy(self.engine, self.planner, self.clock)

    async def apply_at_start(self) -> None:
        """Background task: the start-up check (a policy changed while the service was down)."""
        try:
            await self.apply()
        except Exception:
            log.exception("could not re-compute the SLA deadlines for the policy; they keep the old one")

    async def reload(self, *, force: bool = False) -> tuple[str, int | None]:
        """Read the policy file again (PolicyError when it is bad: nothing changes) and put it in force."""
        policy = load_policy(self.policy_file)
        planner = DeadlinePlanner(policy, self.planner.calculator, self.calendar)
        self.keeper.planner = planner
        self.firer.planner = planner
        return fingerprint(policy), await apply_policy(self.engine, planner, self.clock, force=force)
