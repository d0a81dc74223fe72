"""How much an SLA clock may be extended: the policy's maximum against what was approved (pure)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.sla.deadlines import DeadlinePlanner
from services.sla.repository import Deadline
from shared.complaints import label
from shared.durations import IsoDuration

ONE_WORKING_DAY = IsoDuration(days=1)
"""The notice an extension request must give before the deadline, on the business calendar."""


def over_maximum(planner: DeadlinePlanner, clock: Deadline, extension: IsoDuration) -> dict[str, Any] | None:
    """The refusal when ``extension`` would take the clock's approved extensions past the
    policy's maximum for its stage; None when it fits.

    Days and hours are compared as the clock counts them (:func:`_fits`): on a working-time limit
    ``PT24H`` is 24 working hours, so it does not fit under a maximum of ``P1D`` (one working day)."""
    maximum = planner.policy.max_extension.of(clock.stage)
    approved = clock.extension
    if _fits(planner, clock, approved + extension, maximum):
        return None
    left = _remaining(maximum, approved)
    stage, stage_zh = label(clock.stage, "en").lower(), label(clock.stage, "zh-CN")
    more = "nothing" if left is not None and not left else (str(left) if left else "what is left of it")
    more_zh = "0" if left is not None and not left else (str(left) if left else "剩余部分")
    return {
        "error": "extension_over_maximum",
        "message": f"extensions of a {stage} clock add at most {maximum} in all "
        f"({approved if approved else 'none'} approved so far); at most {more} more",
        "message_zh": f"「{stage_zh}」时限的延期合计不得超过 {maximum}"
        f"（已批准 {approved if approved else '0'}），最多还可延期 {more_zh}",
        "max_extension": maximum.isoformat(),
        "approved_extension": approved.isoformat() if approved else None,
    }


def _fits(planner: DeadlinePlanner, clock: Deadline, total: IsoDuration, maximum: IsoDuration) -> bool:
    """Whether ``total`` is at most ``maximum``. In one unit (days with days, hours with hours)
    they compare as written; mixed, each is counted from the clock's start the way the clock
    counts (the business calendar on a working-time limit, else 24×7) and the instants compared."""
    if not total.time and not maximum.time:
        return total.days <= maximum.days
    if not total.days and not maximum.days:
        return total.time <= maximum.time
    calculator = planner.calculator_for(clock.counting)
    return calculator.add(clock.started_at, total) <= calculator.add(clock.started_at, maximum)


def _remaining(maximum: IsoDuration, approved: IsoDuration) -> IsoDuration | None:
    """How much more fits, when the maximum and what was approved are in one unit; else None."""
    if not approved:
        return maximum
    if not approved.time and not maximum.time:
        return IsoDuration(max(maximum.days - approved.days, 0))
    if not approved.days and not maximum.days:
        return IsoDuration(0, max(maximum.time - approved.time, timedelta(0)))
    return None
