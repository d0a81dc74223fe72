"""Firing due timers: SlaWarningRaised at the warning instant, SlaBreached + ComplaintEscalated
when a limit runs out. None lost, none fired twice, across restarts and instances.

``fire_due(now)`` works in batches, one transaction each: it locks up to ``batch_size`` due rows
(``FOR UPDATE SKIP LOCKED``, so another instance takes other rows), appends to each complaint
stream through the recipe, and marks the row in the same transaction. A crash before the commit
fires nothing and the rows stay due; after it, the rows are marked and are never selected again.

Each row runs in a savepoint: a row that fails (a lost race on its stream, say) is rolled back
alone and retried on the next tick, while the rest of the batch commits. A transaction-scoped
advisory lock per complaint keeps two instances from firing two clocks of one complaint at once.

Before firing, the stream itself is checked: when an event the consumer has not applied yet
already stopped the clock (accepted, resolved, closed ...), the row is stopped instead; when one
moves it (put on hold, resumed, extension approved, regraded), the row waits for the consumer.
An event committed between that check and the append is caught afterwards (the append did not
follow the checked version) and the row is retried on the next tick.

Stage rules on top of warn/breach:

* **acknowledgement** of a complaint received outside working hours: at the warning instant
  (within the 1 h limit) the service acknowledges it itself — ``AcknowledgeComplaint(via="auto")``
  — and the clock stops (``auto_acknowledged``). Received in working hours, it warns and breaches
  like any other clock.
* **progress_update** rolls: when an interval runs out unanswered, the breach is recorded and the
  next interval starts at once, so a level-3 complaint (progress every 24 h) gets a reminder and,
  if no update comes, a breach every 24 h until it is resolved.

Warnings, reminders, escalations and auto-acknowledgements also go through the
:class:`~services.sla.notifier.Notifier`, after the batch commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.sla import repository
from services.sla.clocks import COOPERATION_STAGES, StopReason, moved_after, stopped_after
from services.sla.deadlines import DeadlinePlanner
from services.sla.notifier import LoggingNotifier, Notification, NotificationKind, Notifier
from services.sla.policy import SlaPolicy
from services.sla.repository import Deadline
from shared.clock import Clock, FixedClock
from shared.complaints import (
    AcknowledgeComplaint,
    EscalateComplaint,
    RaiseSlaWarning,
    RecordSlaBreach,
    SlaStage,
    label,
)
from shared.events import Actor
from shared.eventstore import ConcurrencyError, PostgresEventStore
from shared.eventstore.complaint_handling import Outcome, execute

log = logging.getLogger(__name__)

SLA_ACTOR = Actor.service("sla")
AUTO_ACK_VIA = "auto"
AUTO_ACK_MESSAGE = "sla.auto_acknowledgement.out_of_hours"
"""Template key: "received; it will be handled first thing in working hours"."""
FIRING_LOCK_CLASS = 7_310_004
FIRING_LOCK = text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(:no))").bindparams(cls=FIRING_LOCK_CLASS)


Done = tuple[str, ...]
"""The FireReport counters one row adds to: ("warned",), ("breached", "escalated"), ("stopped",)."""


class StreamMovedOn(Exception):
    """An event was appended between the check and the append: decide again next tick."""


@dataclass
class FireReport:
    """What one ``fire_due`` call did."""

    warned: int = 0
    breached: int = 0
    escalated: int = 0
    stopped: int = 0
    deferred: int = 0
    failed: int = 0
    auto_acknowledged: int = 0

    @property
    def handled(self) -> int:
        return self.warned + self.breached + self.stopped + self.auto_acknowledged

    def add(self, done: Done) -> None:
        for counter in done:
            setattr(self, counter, getattr(self, counter) + 1)


def breach_reason(stage: SlaStage, deadline: datetime) -> str:
    """Why the SLA service escalates, for people, in Chinese and English."""
    due = deadline.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{label(stage, 'zh-CN')}时限已超时（截止 {due}）/ "
        f"{label(stage, 'en')} time limit breached (due {due})"
    )


class DeadlineFirer:
    def __init__(
        self,
        engine: AsyncEngine,
        policy: SlaPolicy,
        clock: Clock,
        *,
        batch_size: int = 100,
        actor: Actor = SLA_ACTOR,
        planner: DeadlinePlanner | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.engine = engine
        self.store = PostgresEventStore(engine)
        self.planner = planner or DeadlinePlanner(policy)
        self.clock = clock
        self.batch_size = batch_size
        self.actor = actor
        self.notifier: Notifier = notifier or LoggingNotifier()
        self._outbox: list[Notification] = []

    @property
    def policy(self) -> SlaPolicy:
        return self.planner.policy

    async def fire_due(self, now: datetime | None = None) -> FireReport:
        """Fire every timer due at ``now`` (default: the clock's now), batch by batch."""
        instant = now if now is not None else self.clock.now()
        report = FireReport()
        while True:
            handled, deferred = report.handled, report.deferred
            self._outbox = []
            async with self.engine.begin() as conn:
                due = await repository.claim_due(conn, instant, self.batch_size)
                for deadline in due:
                    await self._fire_one(conn, deadline, instant, report)
            await self._send(self._outbox)  # only what committed
            more = len(due) == self.batch_size or report.deferred > deferred
            # Stop when a batch made no progress (every row deferred or failing), so rows that
            # cannot fire now wait for the next tick instead of spinning this call.
            if not more or report.handled == handled:
                return report

    async def _send(self, notifications: list[Notification]) -> None:
        for notification in notifications:
            try:
                await self.notifier.notify(notification)
            except Exception:
                log.exception(
                    "an SLA notification could not be sent",
                    extra={"complaint_no": notification.complaint_no, "kind": notification.kind.value},
                )

    async def _fire_one(
        self, conn: AsyncConnection, deadline: Deadline, now: datetime, report: FireReport
    ) -> None:
        queued = len(self._outbox)
        try:
            async with conn.begin_nested():
                if not await self._lock_complaint(conn, deadline.complaint_no):
                    raise StreamMovedOn(deadline.complaint_no)
                done = await self._fire(conn, deadline, now)
            report.add(done)  # counted once the row's savepoint is released
            return
        except (StreamMovedOn, ConcurrencyError):
            report.deferred += 1
            log.info("complaint busy or changed while firing; retrying", extra=_context(deadline))
        except Exception:
            report.failed += 1
            log.exception("could not fire an SLA timer; retrying next tick", extra=_context(deadline))
        del self._outbox[queued:]  # a rolled-back row notifies nobody

    @staticmethod
    async def _lock_complaint(conn: AsyncConnection, complaint_no: str) -> bool:
        """One firer per complaint at a time (until its batch commits): another instance firing
        a different clock of the same complaint would only wait on, or race for, its stream."""
        locked = await conn.execute(FIRING_LOCK, {"no": complaint_no})
        return bool(locked.scalar_one())

    async def _fire(self, conn: AsyncConnection, deadline: Deadline, now: datetime) -> Done:
        store = self.store.bound(conn)
        records = await store.read_stream(deadline.complaint_no)
        if not records:
            await repository.mark_stopped(conn, deadline, now, StopReason.COMPLAINT_MISSING)
            log.warning("SLA timer for a complaint not in the store; stopped", extra=_context(deadline))
            return ("stopped",)
        stopped = stopped_after(records, deadline.stage, deadline.started_version, deadline.department)
        if stopped is not None:
            await repository.mark_stopped(
                conn, deadline, stopped.at, stopped.reason, event_id=stopped.event_id
            )
            return ("stopped",)
        if moved_after(records, deadline.stage, deadline.moved_version):
            raise StreamMovedOn(deadline.complaint_no)  # the consumer re-computes it first
        checked_version = records[-1].stream_version
        if deadline.stage is SlaStage.ACKNOWLEDGEMENT and self._out_of_hours(deadline.started_at):
            return await self._auto_acknowledge(conn, store, deadline, now, checked_version)
        if now >= deadline.due_at:
            return await self._breach(conn, store, deadline, now, checked_version)
        return await self._warn(conn, store, deadline, now, checked_version)

    def _out_of_hours(self, instant: datetime) -> bool:
        calendar = self.planner.calendar
        return calendar is not None and calendar.next_working_instant(instant) != instant

    async def _auto_acknowledge(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        deadline: Deadline,
        now: datetime,
        checked_version: int,
    ) -> Done:
        """Received out of hours and nobody acknowledged it: tell the complainant it will be
        handled first thing in working hours, and stop the acknowledgement clock."""
        command = AcknowledgeComplaint(
            actor=self.actor, at=now, via=AUTO_ACK_VIA, message_key=AUTO_ACK_MESSAGE
        )
        outcome = await execute(store, deadline.complaint_no, command, clock=FixedClock(now), attempts=1)
        if outcome.already_done:  # acknowledged before the clock started: nothing to do
            await repository.mark_stopped(conn, deadline, now, StopReason.ACKNOWLEDGED)
            return ("stopped",)
        if outcome.recorded[0].stream_version != checked_version + 1:
            raise StreamMovedOn(deadline.complaint_no)
        if outcome.rejection is not None:
            return await self._refused(conn, deadline, now, outcome.rejection.reason_code)
        await repository.mark_stopped(
            conn, deadline, now, StopReason.AUTO_ACKNOWLEDGED, event_id=outcome.recorded[0].event_id
        )
        self._notify(deadline, NotificationKind.AUTO_ACKNOWLEDGEMENT, "complainant")
        return ("auto_acknowledged",)

    def _notify(
        self, deadline: Deadline, kind: NotificationKind, to_role: str, level: int | None = None
    ) -> None:
        self._outbox.append(
            Notification(
                kind=kind,
                complaint_no=deadline.complaint_no,
                stage=deadline.stage,
                to_role=to_role,
                department=deadline.department,
                deadline=deadline.due_at,
                level=level,
            )
        )

    async def _warn(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        deadline: Deadline,
        now: datetime,
        checked_version: int,
    ) -> Done:
        command = RaiseSlaWarning(
            actor=self.actor,
            at=now,
            stage=deadline.stage,
            deadline=deadline.due_at,
            fraction=deadline.warn_fraction,
            department=_cooperating(deadline),
        )
        outcome = await self._execute(store, deadline, command, now, checked_version)
        rejection = outcome.rejection
        if rejection is None:
            await repository.mark_warned(conn, deadline, now)
            if not outcome.already_done:  # the same warning already recorded: nobody told twice
                reminder = deadline.stage is SlaStage.PROGRESS_UPDATE
                kind = NotificationKind.PROGRESS_REMINDER if reminder else NotificationKind.WARNING
                # the director's clock waits on the director, every other on the department
                director = deadline.stage is SlaStage.DIRECTOR_REPORT
                self._notify(deadline, kind, "director" if director else "agent")
            return ("warned",)
        return await self._refused(conn, deadline, now, rejection.reason_code)

    async def _breach(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        deadline: Deadline,
        now: datetime,
        checked_version: int,
    ) -> Done:
        command = RecordSlaBreach(
            actor=self.actor,
            at=now,
            stage=deadline.stage,
            deadline=deadline.due_at,
            department=_cooperating(deadline),
        )
        outcome = await self._execute(store, deadline, command, now, checked_version)
        rejection = outcome.rejection
        if rejection is not None:
            return await self._refused(conn, deadline, now, rejection.reason_code)
        if outcome.already_done:  # the same breach already recorded (and escalated then)
            await repository.mark_breached(conn, deadline, now, None, None)
            return ("breached",)
        level = outcome.state.escalation_level + 1
        escalate = EscalateComplaint(
            actor=self.actor,
            at=now,
            level=level,
            to_role=self.policy.escalation_role(level, deadline.grade, deadline.category),
            reason=breach_reason(deadline.stage, deadline.due_at),
            stage=deadline.stage,
        )
        escalated = await execute(store, deadline.complaint_no, escalate, clock=FixedClock(now), attempts=1)
        if escalated.rejection is not None or escalated.already_done:
            if escalated.rejection is not None:
                log.warning(
                    "the escalation after an SLA breach was refused",
                    extra={**_context(deadline), "reason_code": escalated.rejection.reason_code},
                )
            await repository.mark_breached(conn, deadline, now, None, None)
            await self._next_interval(conn, deadline, now, outcome)
            return ("breached",)
        await repository.mark_breached(conn, deadline, now, escalate.level, escalate.to_role)
        await self._next_interval(conn, deadline, now, outcome)
        self._notify(deadline, NotificationKind.ESCALATION, escalate.to_role, escalate.level)
        return ("breached", "escalated")

    async def _next_interval(
        self, conn: AsyncConnection, deadline: Deadline, now: datetime, breach: Outcome
    ) -> None:
        """Progress updates are due every interval until resolved: a missed one (breached, kept
        so) is stopped and the next interval starts at its deadline."""
        if deadline.stage is not SlaStage.PROGRESS_UPDATE:
            return
        recorded = breach.recorded[0]
        await repository.mark_stopped(
            conn, deadline, now, StopReason.INTERVAL_MISSED, event_id=recorded.event_id
        )
        schedule = self.planner.plan_if_set(
            deadline.grade, deadline.stage, deadline.due_at, deadline.category
        )
        if schedule is None:
            return
        await repository.start_next(conn, deadline, schedule, recorded.event_id, recorded.stream_version)

    async def _execute(
        self,
        store: PostgresEventStore,
        deadline: Deadline,
        command: RaiseSlaWarning | RecordSlaBreach,
        now: datetime,
        checked_version: int,
    ) -> Outcome:
        # The events occur at the firing instant, which is also the command's time.
        outcome = await execute(store, deadline.complaint_no, command, clock=FixedClock(now), attempts=1)
        if outcome.recorded and outcome.recorded[0].stream_version != checked_version + 1:
            raise StreamMovedOn(deadline.complaint_no)
        return outcome

    async def _refused(self, conn: AsyncConnection, deadline: Deadline, now: datetime, code: str) -> Done:
        """The complaint refused the SLA command (e.g. it is closed): the timer stops."""
        await repository.mark_stopped(conn, deadline, now, StopReason.REJECTED, detail=code)
        log.info("SLA command refused; timer stopped", extra={**_context(deadline), "reason_code": code})
        return ("stopped",)


def _cooperating(deadline: Deadline) -> str | None:
    """The co-operating department a co-operation clock is about (charged for its breach); None
    for the other clocks, charged to the department responsible at the breach."""
    return deadline.department if deadline.stage in COOPERATION_STAGES else None


def _context(deadline: Deadline) -> dict[str, Any]:
    return {
        "complaint_no": deadline.complaint_no,
        "stage": deadline.stage.value,
        "generation": deadline.generation,
    }


def fire_loop(firer: DeadlineFirer, tick_seconds: float) -> Callable[[], Coroutine[Any, Any, None]]:
    """The background task: ``fire_due`` every tick until the service stops."""

    async def sla_fire_loop() -> None:
        while True:
            try:
                report = await firer.fire_due()
                if report.handled or report.failed:
                    log.info("sla timers fired", extra=vars(report))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the SLA fire loop failed; trying again next tick")
            await asyncio.sleep(tick_seconds)

    return sla_fire_loop
