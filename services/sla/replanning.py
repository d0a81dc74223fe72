"""Re-computing running deadlines: after a pause, an extension, a regrade or a policy change.

Every deadline is re-computed from what its row keeps — start, grade, category, stage, the
approved extensions and the counted time spent on hold — with the formula of
:mod:`services.sla.deadlines`, so a pause survives a policy change and an extension survives a
regrade. A stage the new grade or policy sets no limit for is stopped (``not_in_policy``).

A policy change re-computes every running deadline in pages of ``batch_size`` rows, one
transaction each (``FOR UPDATE`` on the page only), so memory stays flat however many deadlines
are open. The policy's fingerprint is kept in ``sla_policy_applied``: a service that starts with
another policy re-computes; one that starts with the same policy does nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.sla import repository
from services.sla.clocks import StopReason
from services.sla.deadlines import DeadlinePlanner, Schedule
from services.sla.policy import SlaPolicy
from services.sla.repository import Deadline
from shared.clock import Clock
from shared.complaints import Grade
from shared.durations import IsoDuration

log = logging.getLogger(__name__)


def replanned(
    planner: DeadlinePlanner,
    deadline: Deadline,
    *,
    grade: Grade | None = None,
    extension: IsoDuration | None = None,
    paused: timedelta | None = None,
) -> Schedule | None:
    """The clock's schedule on ``planner``'s policy, with what changed; None: no such limit now."""
    return planner.plan_if_set(
        grade or deadline.grade,
        deadline.stage,
        deadline.started_at,
        deadline.category,
        extension=deadline.extension if extension is None else extension,
        paused=deadline.paused if paused is None else paused,
    )


def paused_time(planner: DeadlinePlanner, deadline: Deadline, until: datetime) -> timedelta:
    """The clock's counted time on hold, the running pause (up to ``until``) included."""
    if deadline.paused_at is None:
        return deadline.paused
    calculator = planner.calculator_for(deadline.counting)
    return deadline.paused + calculator.counted_between(deadline.paused_at, until)


async def store(
    conn: AsyncConnection,
    deadline: Deadline,
    schedule: Schedule | None,
    *,
    at: datetime,
    paused_at: datetime | None,
    version: int | None,
    event_id: object = None,
) -> None:
    """Write a re-computed schedule, or stop a clock whose stage the policy no longer sets."""
    if schedule is None:
        await repository.mark_stopped(conn, deadline, at, StopReason.NOT_IN_POLICY)
        return
    await repository.reschedule(conn, deadline, schedule, paused_at=paused_at, version=version)


def fingerprint(policy: SlaPolicy) -> str:
    """A stable digest of the policy: equal policies, equal fingerprints."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()


async def recompute_all(
    engine: AsyncEngine, planner: DeadlinePlanner, clock: Clock, *, batch_size: int = 500
) -> int:
    """Re-compute every running deadline on ``planner``'s policy; how many changed."""
    changed = 0
    after: Deadline | None = None
    while True:
        async with engine.begin() as conn:
            page = await repository.running_page(conn, after, batch_size)
            for deadline in page:
                schedule = replanned(planner, deadline)
                if schedule is not None and (schedule.due_at, schedule.warn_at) == (
                    deadline.due_at,
                    deadline.warn_at,
                ):
                    continue
                await store(
                    conn, deadline, schedule, at=clock.now(), paused_at=deadline.paused_at, version=None
                )
                changed += 1
        if len(page) < batch_size:
            return changed
        after = page[-1]


async def apply_policy(
    engine: AsyncEngine, planner: DeadlinePlanner, clock: Clock, *, batch_size: int = 500, force: bool = False
) -> int | None:
    """Re-compute the running deadlines when the policy differs from the one they were computed
    with (or always, with ``force``); None when there was nothing to do."""
    digest = fingerprint(planner.policy)
    async with engine.connect() as conn:
        applied = await repository.applied_fingerprint(conn)
    if applied == digest and not force:
        return None
    changed = await recompute_all(engine, planner, clock, batch_size=batch_size)
    async with engine.begin() as conn:
        await repository.save_fingerprint(conn, digest, clock.now())
    log.info("sla deadlines re-computed for the policy", extra={"changed": changed, "policy": digest[:12]})
    return changed
