"""SLA's handlers: complaint events move the clocks (``ClockKeeper``), and the extension
commands that need a running clock (``request_extension``, ``approve_extension``); hold, resume
and decline are plain complaint commands (``shared.service.complaint_commands.handle_command``).

The consumer's work happens on ``ctx.connection``, in the transaction that also records the
event id, so a clock change and its dedupe mark commit together. A redelivered event changes
nothing: the consumer skips its id, and a start is keyed by the starting event's id besides.

A working-time deadline that reaches into a year the calendar does not know is counted on plain
weekdays, and an ``SlaCalendarYearUnknown`` event is appended to the complaint's stream in the
same transaction, so it is recorded exactly once with the clock it is about.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from opentelemetry.trace import SpanKind

from services.sla import replanning, repository
from services.sla.clocks import (
    CLOCK_EVENTS,
    FOLLOWS_OWNER,
    Change,
    Extend,
    Pause,
    Reassign,
    Regrade,
    Resume,
    Start,
    Stop,
    transitions,
    would_run,
)
from services.sla.deadlines import DeadlinePlanner, Schedule
from services.sla.extensions import ONE_WORKING_DAY, over_maximum
from services.sla.firing import SLA_ACTOR
from services.sla.policy import LONGEST, longer_than_longest
from services.sla.repository import Deadline
from services.sla.schemas import ExtensionRequest
from shared.clock import Clock, SystemClock
from shared.complaints import (
    COMPLAINT_EVENTS,
    ApproveSlaExtension,
    Category,
    ComplaintReceived,
    Grade,
    RequestSlaExtension,
    SlaCalendarYearUnknown,
    SlaStage,
    fold_recorded,
    label,
)
from shared.durations import IsoDuration
from shared.events import Event, NewEvent, RecordedEvent
from shared.eventstore import EventStore
from shared.eventstore.complaint_handling import ComplaintNotFound, Outcome, load
from shared.eventstore.unit_of_work import UnitOfWork
from shared.messaging.consumer import HandlerContext, PoisonMessage
from shared.service.auth import Principal
from shared.service.complaint_commands import handle_command
from shared.service.tracing import context_from, tracer

log = logging.getLogger(__name__)

SUBSCRIBED = CLOCK_EVENTS


class ClockKeeper:
    """Applies each clock-changing complaint event to the deadlines table."""

    def __init__(self, planner: DeadlinePlanner, clock: Clock | None = None) -> None:
        self.planner = planner
        self.clock = clock or SystemClock()

    async def handle_batch(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """A batch of events, in order. A clock started by an event other than the receipt is
        planned for the complaint's grade and category as of that event: the streams of those
        complaints are read once for the batch."""
        decoded = [(event, COMPLAINT_EVENTS.decode(event)) for event in events]
        needed = {
            event.stream_id
            for event, payload in decoded
            if not isinstance(payload, ComplaintReceived)
            and any(isinstance(change, Start) for change in transitions(payload, event.occurred_at))
        }
        streams = await ctx.store.read_streams(needed) if needed else {}
        spans = tracer("sla")
        for event, payload in decoded:
            # what the event leads to (a warning appended, say) continues its own trace
            with spans.start_as_current_span(
                f"sla handle {event.type}", context=context_from(event.trace), kind=SpanKind.CONSUMER
            ):
                await self._apply(event, payload, ctx, streams.get(event.stream_id))

    async def handle(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        await self._apply(event, COMPLAINT_EVENTS.decode(event), ctx, None)

    async def _apply(
        self, event: RecordedEvent, payload: Event, ctx: HandlerContext, stream: list[RecordedEvent] | None
    ) -> None:
        changes = transitions(payload, event.occurred_at)
        kind: tuple[Grade, Category] | None = (
            (payload.grade, payload.category) if isinstance(payload, ComplaintReceived) else None
        )
        for change in changes:
            match change:
                case Stop():
                    await repository.stop(
                        ctx.connection,
                        event.stream_id,
                        change.stage,
                        event.occurred_at,
                        change.reason,
                        event.event_id,
                        event.stream_version,
                        department=change.department,
                    )
                case Reassign():
                    await repository.reassign(
                        ctx.connection,
                        event.stream_id,
                        change.department,
                        event.stream_version,
                        FOLLOWS_OWNER,
                    )
                case Pause():
                    await repository.pause(
                        ctx.connection,
                        event.stream_id,
                        change.stages,
                        event.occurred_at,
                        event.stream_version,
                    )
                case Resume() | Extend():
                    await self._move(ctx, event, change)
                case Regrade():
                    await self._move(ctx, event, change)
                    await self._start_new_stages(ctx, event, change.grade)
                case Start():
                    kind = kind or await kind_at(ctx.store, event, stream)
                    await self._start(ctx, event, change, kind)

    async def _start(
        self, ctx: HandlerContext, event: RecordedEvent, change: Start, kind: tuple[Grade, Category]
    ) -> None:
        schedule = self.planner.plan_if_set(kind[0], change.stage, change.started_at, kind[1])
        if schedule is None:
            return  # the policy runs no such clock for this grade
        generation = await repository.start(
            ctx.connection,
            event.stream_id,
            schedule,
            change.department,
            event.event_id,
            event.stream_version,
        )
        if generation and schedule.unknown_years:
            await self._warn_unknown_years(ctx, event, schedule)
        log.info(
            "sla clock started" if generation else "sla clock already started by this event",
            extra={
                "complaint_no": event.stream_id,
                "stage": change.stage.value,
                "generation": generation,
                "due_at": schedule.due_at.isoformat(),
            },
        )

    async def _move(self, ctx: HandlerContext, event: RecordedEvent, change: Change) -> None:
        """Re-compute the running clocks a resume, an extension or a regrade moves."""
        stages = (
            change.stages
            if isinstance(change, Resume)
            else {change.stage}
            if isinstance(change, Extend)
            else set(SlaStage)
        )
        at, version = event.occurred_at, event.stream_version
        for deadline in await repository.running(ctx.connection, event.stream_id, stages, version):
            paused_at = deadline.paused_at
            match change:
                case Resume():
                    if paused_at is None:
                        await repository.mark_applied(ctx.connection, deadline, version)
                        continue
                    paused = replanning.paused_time(self.planner, deadline, at)
                    schedule = replanning.replanned(self.planner, deadline, paused=paused)
                    paused_at = None
                case Extend():
                    extension = _bounded_extension(event, deadline, deadline.extension + change.extension)
                    schedule = replanning.replanned(self.planner, deadline, extension=extension)
                case Regrade():
                    schedule = replanning.replanned(self.planner, deadline, grade=change.grade)
                case _:
                    continue
            await replanning.store(
                ctx.connection, deadline, schedule, at=at, paused_at=paused_at, version=version
            )
            log.info(
                "sla clock moved",
                extra={
                    "complaint_no": event.stream_id,
                    "stage": deadline.stage.value,
                    "change": type(change).__name__,
                    "due_at": schedule.due_at.isoformat() if schedule else None,
                },
            )

    async def _start_new_stages(self, ctx: HandlerContext, event: RecordedEvent, grade: Grade) -> None:
        """Start the clocks the new grade's policy has and the old one had not, when the complaint's
        events so far would have them running (acknowledgement if not acknowledged yet, initial
        plan if no plan yet, progress update once accepted, ...), from the instant they would have
        started, charged to the same department, with the same time on hold. The clock is keyed
        by the regrade's id and version, so a redelivery starts nothing twice and only events
        after the regrade stop it."""
        records = await ctx.store.read_stream(event.stream_id)
        state = fold_recorded([r for r in records if r.stream_version <= event.stream_version])
        category = state.category
        version = event.stream_version
        running = {
            deadline.stage
            for deadline in await repository.running(ctx.connection, event.stream_id, set(SlaStage), version)
        }
        for stage, clock in would_run(records, version).items():
            target = self.planner.policy.target_or_none(grade, stage, category)
            if stage in running or target is None:
                continue
            calculator = self.planner.calculator_for(target.counting)
            held = sum((calculator.counted_between(a, b) for a, b in clock.pauses), timedelta(0))
            schedule = self.planner.plan_if_set(grade, stage, clock.started_at, category, paused=held)
            if schedule is None:
                continue
            generation = await repository.start(
                ctx.connection,
                event.stream_id,
                schedule,
                clock.department,
                event.event_id,
                version,
                paused_at=clock.paused_at,
            )
            if generation and schedule.unknown_years:
                await self._warn_unknown_years(ctx, event, schedule)
            log.info(
                "sla clock started by a regrade",
                extra={
                    "complaint_no": event.stream_id,
                    "stage": stage.value,
                    "generation": generation,
                    "started_at": schedule.started_at.isoformat(),
                    "due_at": schedule.due_at.isoformat(),
                },
            )

    async def _warn_unknown_years(
        self, ctx: HandlerContext, event: RecordedEvent, schedule: Schedule
    ) -> None:
        warning = unknown_years_warning(schedule)
        version = await ctx.store.stream_version(event.stream_id)
        await ctx.store.append(
            event.stream_id,
            version,
            [NewEvent.of(warning, actor=SLA_ACTOR, clock=self.clock, causation=event)],
        )
        log.warning(
            "sla deadline counted on plain weekdays: calendar year unknown",
            extra={"complaint_no": event.stream_id, "years": warning.years},
        )


def _bounded_extension(event: RecordedEvent, deadline: Deadline, extension: IsoDuration) -> IsoDuration:
    """An extension approved before extensions were bounded at request time: the clock moves as
    far as any may, rather than the event failing for ever."""
    if not longer_than_longest(extension):
        return extension
    log.warning(
        "sla extension beyond the longest allowed; applied up to it",
        extra={
            "complaint_no": event.stream_id,
            "stage": deadline.stage.value,
            "extension": extension.isoformat(),
            "applied": LONGEST.isoformat(),
        },
    )
    return LONGEST


def unknown_years_warning(schedule: Schedule) -> SlaCalendarYearUnknown:
    """The visible warning that ``schedule`` was counted on plain weekdays in some years."""
    years = sorted(schedule.unknown_years)
    listed = ", ".join(str(year) for year in years)
    due = schedule.due_at.strftime("%Y-%m-%d %H:%M UTC")
    return SlaCalendarYearUnknown(
        stage=schedule.stage,
        deadline=schedule.due_at,
        years=years,
        message=(
            f"The {label(schedule.stage, 'en')} deadline ({due}) reaches into {listed}, whose public "
            "holidays the SLA calendar does not know: it was counted on plain weekdays. "
            "Update the chinese-calendar package or add the holidays to the calendar."
        ),
        message_zh=(
            f"{label(schedule.stage, 'zh-CN')}时限（截止 {due}）跨入 {listed} 年，"
            "时限日历尚无该年的法定节假日与调休安排，已按普通工作日（周一至周五）计算。"
            "请更新 chinese-calendar 或在日历中补充节假日。"
        ),
    )


async def kind_at(
    store: EventStore, event: RecordedEvent, stream: list[RecordedEvent] | None = None
) -> tuple[Grade, Category]:
    """The complaint's grade and category as of ``event``, from its stream in the event store
    (``stream``: already read, with at least the events up to ``event``)."""
    if stream is None or not stream or stream[-1].stream_version < event.stream_version:
        stream = await store.read_stream(event.stream_id)
    records = [r for r in stream if r.stream_version <= event.stream_version]
    state = fold_recorded(records)
    if state.grade is None or state.category is None:
        raise PoisonMessage(f"complaint {event.stream_id} is not in the event store; no clock to start")
    return state.grade, state.category


# --- extension commands ----------------------------------------------------------------------


class RunningClocks(Protocol):
    """The running clock of a complaint's stage (``repository.SqlRunningClocks``; a test's fake)."""

    async def running(self, complaint_no: str, stage: SlaStage, before_version: int) -> Deadline | None: ...


class NoRunningClock(LookupError):
    """No clock of the stage runs: nothing to extend (nothing is recorded)."""

    def __init__(self, complaint_no: str, stage: SlaStage, stream_version: int) -> None:
        super().__init__(f"no {stage.value} clock is running for {complaint_no}")
        self.complaint_no, self.stage, self.stream_version = complaint_no, stage, stream_version


class ExtensionOverMaximum(ValueError):
    """The extension would take the clock past the policy's maximum (nothing is recorded);
    ``refusal``: the machine-readable body (``over_maximum``)."""

    def __init__(self, refusal: dict[str, Any], stream_version: int) -> None:
        super().__init__(refusal["message"])
        self.refusal, self.stream_version = refusal, stream_version


async def request_extension(
    uow: UnitOfWork,
    clocks: RunningClocks,
    planner: DeadlinePlanner,
    clock: Clock,
    principal: Principal,
    complaint_no: str,
    ask: ExtensionRequest,
) -> Outcome:
    """Ask for more time on a running clock, with one working day's notice (on the business
    calendar; 24×7 when there is none). Raises ComplaintNotFound, NoRunningClock,
    ExtensionOverMaximum; the complaint's own rules refuse the rest (a recorded rejection)."""
    state, _ = await load(uow.store, complaint_no)
    if not state.exists or not principal.sees_department(state.department):
        raise ComplaintNotFound(complaint_no)
    running = await clocks.running(complaint_no, ask.stage, state.version + 1)
    if running is None:
        raise NoRunningClock(complaint_no, ask.stage, state.version)
    over = over_maximum(planner, running, ask.extension)
    if over is not None:
        raise ExtensionOverMaximum(over, state.version)
    now = clock.now()
    calendar = planner.calendar
    notice_until = calendar.add(now, ONE_WORKING_DAY) if calendar else now + ONE_WORKING_DAY.total()
    command = RequestSlaExtension(
        actor=principal.actor,
        at=now,
        stage=ask.stage,
        extension=ask.extension,
        reason=ask.reason,
        consent_via=ask.consent.via,
        consent_at=ask.consent.at,
        consent_note=ask.consent.note,
        deadline=running.due_at,
        notice_until=notice_until,
    )
    return await handle_command(uow, clock, principal, complaint_no, command)


async def approve_extension(
    uow: UnitOfWork,
    clocks: RunningClocks,
    planner: DeadlinePlanner,
    clock: Clock,
    principal: Principal,
    complaint_no: str,
    stage: SlaStage,
    note: str | None,
) -> Outcome:
    """Approve the stage's pending extension. Raises ExtensionOverMaximum when it would now take
    the clock past the policy's maximum (lowered since it was requested); everything else is the
    complaint's rules' to refuse (ComplaintNotFound included)."""
    state, _ = await load(uow.store, complaint_no)
    pending = next((p for p in state.pending_extensions if p.stage == stage), None)
    if pending is not None:
        running = await clocks.running(complaint_no, stage, state.version + 1)
        over = over_maximum(planner, running, pending.extension) if running else None
        if over is not None:
            raise ExtensionOverMaximum(over, state.version)
    command = ApproveSlaExtension(actor=principal.actor, at=clock.now(), stage=stage, note=note)
    return await handle_command(uow, clock, principal, complaint_no, command)
