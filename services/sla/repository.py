"""The ``sla_deadlines`` table: plain SQL, always on the caller's connection (its transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.sla.clocks import StopReason
from services.sla.deadlines import Schedule
from services.sla.policy import Counting
from shared.complaints import Category, Grade, SlaStage
from shared.durations import IsoDuration


class DeadlineState(StrEnum):
    """Where a clock is: exactly one of these."""

    OPEN = "open"
    """Running, no warning yet."""
    WARNED = "warned"
    """Running, warned, not yet run out."""
    BREACHED = "breached"
    """Running and run out: overdue now."""
    STOPPED = "stopped"
    """No longer running (met, or stopped late: see breached_at)."""


STATE_CONDITIONS: dict[DeadlineState, str] = {
    DeadlineState.OPEN: "stopped_at IS NULL AND breached_at IS NULL AND warned_at IS NULL",
    DeadlineState.WARNED: "stopped_at IS NULL AND breached_at IS NULL AND warned_at IS NOT NULL",
    DeadlineState.BREACHED: "stopped_at IS NULL AND breached_at IS NOT NULL",
    DeadlineState.STOPPED: "stopped_at IS NOT NULL",
}


@dataclass(frozen=True)
class Deadline:
    complaint_no: str
    stage: SlaStage
    generation: int
    grade: Grade
    department: str | None
    started_at: datetime
    warn_fraction: float
    warn_at: datetime
    due_at: datetime
    warned_at: datetime | None
    breached_at: datetime | None
    escalation_level: int | None
    escalated_to: str | None
    stopped_at: datetime | None
    stop_reason: StopReason | None
    stop_detail: str | None
    started_by: UUID
    started_version: int
    stopped_by: UUID | None
    category: Category | None = None
    counting: Counting = Counting.ALWAYS
    time_limit: IsoDuration | None = None
    extension: IsoDuration = field(default_factory=IsoDuration)
    paused: timedelta = timedelta(0)
    """Counted time spent on hold (finished pauses)."""
    paused_at: datetime | None = None
    """On hold since; None while the clock counts."""
    applied_version: int | None = None
    """The last stream version that moved this clock (pause, resume, extension, regrade)."""

    @property
    def moved_version(self) -> int:
        """The stream version the row reflects: events after it may still move the clock."""
        return max(self.started_version, self.applied_version or 0)

    @property
    def key(self) -> dict[str, Any]:
        return {"no": self.complaint_no, "stage": self.stage.value, "generation": self.generation}

    @property
    def state(self) -> DeadlineState:
        if self.stopped_at is not None:
            return DeadlineState.STOPPED
        if self.breached_at is not None:
            return DeadlineState.BREACHED
        if self.warned_at is not None:
            return DeadlineState.WARNED
        return DeadlineState.OPEN


# A PostgreSQL interval keeps its days apart from its hours ('1 day' and '24:00:00' are stored
# differently), but asyncpg reads and writes it as a timedelta, which folds 24 hours into a day.
# So a duration is written with make_interval (days to the days, hours to the time) and read back
# as its two parts. Rows written before kept a timedelta's whole days as days, which is how they
# were counted then: they read back with the same meaning.
def _interval_parts(column: str) -> str:
    days = f"extract(day from {column})::int"
    return f"{days} AS {column}_days, {column} - make_interval(days => {days}) AS {column}_time"


def _interval(name: str) -> str:
    return f"make_interval(days => :{name}_days, secs => :{name}_secs)"


def _interval_params(name: str, duration: IsoDuration) -> dict[str, Any]:
    return {f"{name}_days": duration.days, f"{name}_secs": duration.time.total_seconds()}


def _duration(days: int | None, time: timedelta | None) -> IsoDuration | None:
    if days is None or time is None:
        return None
    return IsoDuration(days, time)


COLUMNS = (
    "complaint_no, stage, generation, grade, department, started_at, warn_fraction, warn_at, due_at, "
    "warned_at, breached_at, escalation_level, escalated_to, stopped_at, stop_reason, stop_detail, "
    "started_by, started_version, stopped_by, category, counting, "
    f"{_interval_parts('time_limit')}, {_interval_parts('extension')}, paused, "
    "paused_at, applied_version"
)


def _row(row: Any) -> Deadline:
    return Deadline(
        complaint_no=row.complaint_no,
        stage=SlaStage(row.stage),
        generation=row.generation,
        grade=Grade(row.grade),
        department=row.department,
        started_at=row.started_at,
        warn_fraction=row.warn_fraction,
        warn_at=row.warn_at,
        due_at=row.due_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        escalation_level=row.escalation_level,
        escalated_to=row.escalated_to,
        stopped_at=row.stopped_at,
        stop_reason=StopReason(row.stop_reason) if row.stop_reason else None,
        stop_detail=row.stop_detail,
        started_by=row.started_by,
        started_version=row.started_version,
        stopped_by=row.stopped_by,
        category=Category(row.category) if row.category else None,
        counting=Counting(row.counting),
        time_limit=_duration(row.time_limit_days, row.time_limit_time),
        extension=_duration(row.extension_days, row.extension_time) or IsoDuration(),
        paused=row.paused,
        paused_at=row.paused_at,
        applied_version=row.applied_version,
    )


# --- the consumer's writes ------------------------------------------------------------------

START = text(
    "INSERT INTO sla_deadlines (complaint_no, stage, generation, grade, department, started_at, "
    "warn_fraction, warn_at, due_at, started_by, started_version, category, counting, time_limit, "
    "paused, paused_at) "
    "SELECT :no, :stage, coalesce(max(generation), 0) + 1, :grade, :department, :started_at, "
    f":warn_fraction, :warn_at, :due_at, :started_by, :started_version, :category, :counting, "
    f"{_interval('time_limit')}, :paused, :paused_at "
    "FROM sla_deadlines WHERE complaint_no = :no AND stage = :stage "
    "ON CONFLICT DO NOTHING RETURNING generation"
)
# Only clocks started by an earlier event of the stream: a stale event never stops a newer clock.
STOP = text(
    "UPDATE sla_deadlines SET stopped_at = :at, stop_reason = :reason, stopped_by = :event "
    "WHERE complaint_no = :no AND stage = :stage AND stopped_at IS NULL AND started_version < :version "
    "AND (CAST(:department AS text) IS NULL OR department = :department)"
)
REASSIGN = text(
    "UPDATE sla_deadlines SET department = :department "
    "WHERE complaint_no = :no AND stage = ANY(:stages) AND stopped_at IS NULL AND started_version < :version"
)
PAUSE = text(
    "UPDATE sla_deadlines SET paused_at = coalesce(paused_at, :at), applied_version = :version "
    "WHERE complaint_no = :no AND stage = ANY(:stages) AND stopped_at IS NULL "
    "AND started_version < :version"
)
RUNNING = text(
    f"SELECT {COLUMNS} FROM sla_deadlines WHERE complaint_no = :no AND stage = ANY(:stages) "
    "AND stopped_at IS NULL AND started_version < :version ORDER BY stage FOR UPDATE"
)
RESCHEDULE = text(
    "UPDATE sla_deadlines SET grade = :grade, warn_fraction = :warn_fraction, warn_at = :warn_at, "
    f"due_at = :due_at, counting = :counting, time_limit = {_interval('time_limit')}, "
    f"extension = {_interval('extension')}, "
    "paused = :paused, paused_at = :paused_at, applied_version = coalesce(:version, applied_version), "
    # a deadline moved out warns again before its new warning instant
    "warned_at = CASE WHEN warned_at IS NOT NULL AND :warn_at > warned_at THEN NULL ELSE warned_at END "
    "WHERE complaint_no = :no AND stage = :stage AND generation = :generation AND stopped_at IS NULL"
)


async def start(
    conn: AsyncConnection,
    complaint_no: str,
    schedule: Schedule,
    department: str | None,
    started_by: UUID,
    started_version: int,
    *,
    paused_at: datetime | None = None,
) -> int | None:
    """Insert a running clock; its generation, or None when this event already started one.

    ``paused_at``: the clock starts on hold (a regrade starting a stage the complaint is
    waiting in); ``schedule.paused`` is its counted time on hold so far."""
    generation = (
        await conn.execute(
            START,
            {
                "no": complaint_no,
                "stage": schedule.stage.value,
                "grade": schedule.grade.value,
                "department": department,
                "started_at": schedule.started_at,
                "warn_fraction": schedule.warn_fraction,
                "warn_at": schedule.warn_at,
                "due_at": schedule.due_at,
                "started_by": started_by,
                "started_version": started_version,
                "category": schedule.category.value if schedule.category else None,
                "counting": schedule.counting.value,
                **_interval_params("time_limit", schedule.limit),
                "paused": schedule.paused,
                "paused_at": paused_at,
            },
        )
    ).scalar_one_or_none()
    return generation


async def stop(
    conn: AsyncConnection,
    complaint_no: str,
    stage: SlaStage,
    at: datetime,
    reason: StopReason,
    event_id: UUID,
    version: int,
    *,
    department: str | None = None,
) -> int:
    """Stop the running clock of ``stage``, if one started before stream version ``version``
    (of a co-operation stage: ``department``'s, or every department's when None)."""
    result = await conn.execute(
        STOP,
        {
            "no": complaint_no,
            "stage": stage.value,
            "at": at,
            "reason": reason.value,
            "event": event_id,
            "version": version,
            "department": department,
        },
    )
    return result.rowcount


async def reassign(
    conn: AsyncConnection, complaint_no: str, department: str, version: int, stages: Iterable[SlaStage]
) -> None:
    """The running clocks of ``stages`` are charged to ``department`` from now on."""
    await conn.execute(
        REASSIGN,
        {"no": complaint_no, "department": department, "version": version, "stages": _codes(stages)},
    )


def _codes(stages: Iterable[SlaStage]) -> list[str]:
    return sorted(stage.value for stage in stages)


async def pause(
    conn: AsyncConnection, complaint_no: str, stages: Iterable[SlaStage], at: datetime, version: int
) -> int:
    """The running clocks of ``stages`` stop counting at ``at`` (they fire nothing while paused)."""
    params = {"no": complaint_no, "stages": _codes(stages), "at": at, "version": version}
    result = await conn.execute(PAUSE, params)
    return result.rowcount


async def running(
    conn: AsyncConnection, complaint_no: str, stages: Iterable[SlaStage], version: int
) -> list[Deadline]:
    """The running clocks of ``stages`` started before ``version``, locked for an update."""
    params = {"no": complaint_no, "stages": _codes(stages), "version": version}
    return [_row(row) for row in await conn.execute(RUNNING, params)]


class SqlRunningClocks:
    """The running clock of a stage, read in a transaction of its own (the API's extension
    commands check it before deciding; the command's own append is checked by its version)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def running(self, complaint_no: str, stage: SlaStage, before_version: int) -> Deadline | None:
        async with self.engine.connect() as conn:
            clocks = await running(conn, complaint_no, {stage}, before_version)
        return clocks[0] if clocks else None


async def reschedule(
    conn: AsyncConnection,
    deadline: Deadline,
    schedule: Schedule,
    *,
    paused_at: datetime | None,
    version: int | None,
) -> None:
    """Store a re-computed schedule (and the pause state) on a running clock."""
    await conn.execute(
        RESCHEDULE,
        {
            **deadline.key,
            "grade": schedule.grade.value,
            "warn_fraction": schedule.warn_fraction,
            "warn_at": schedule.warn_at,
            "due_at": schedule.due_at,
            "counting": schedule.counting.value,
            **_interval_params("time_limit", schedule.limit),
            **_interval_params("extension", schedule.extension),
            "paused": schedule.paused,
            "paused_at": paused_at,
            "version": version,
        },
    )


# --- the fire loop ----------------------------------------------------------------------------

CLAIM_DUE = text(
    f"SELECT {COLUMNS} FROM sla_deadlines "
    "WHERE stopped_at IS NULL AND breached_at IS NULL AND next_fire_at <= :now "
    "ORDER BY next_fire_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
KEY = "complaint_no = :no AND stage = :stage AND generation = :generation"
MARK_APPLIED = text(f"UPDATE sla_deadlines SET applied_version = :version WHERE {KEY}")
MARK_WARNED = text(f"UPDATE sla_deadlines SET warned_at = :at WHERE {KEY}")
MARK_BREACHED = text(
    f"UPDATE sla_deadlines SET breached_at = :at, escalation_level = :level, escalated_to = :to_role "
    f"WHERE {KEY}"
)
MARK_STOPPED = text(
    "UPDATE sla_deadlines SET stopped_at = :at, stop_reason = :reason, stop_detail = :detail, "
    f"stopped_by = :event WHERE {KEY} AND stopped_at IS NULL"
)


async def claim_due(conn: AsyncConnection, now: datetime, limit: int) -> list[Deadline]:
    """Lock up to ``limit`` timers with a warning or breach due at ``now``; rows another
    transaction holds are skipped, so two instances never fire the same timer."""
    result = await conn.execute(CLAIM_DUE, {"now": now, "limit": limit})
    return [_row(row) for row in result]


async def mark_warned(conn: AsyncConnection, deadline: Deadline, at: datetime) -> None:
    await conn.execute(MARK_WARNED, {**deadline.key, "at": at})


async def mark_breached(
    conn: AsyncConnection, deadline: Deadline, at: datetime, level: int | None, to_role: str | None
) -> None:
    await conn.execute(MARK_BREACHED, {**deadline.key, "at": at, "level": level, "to_role": to_role})


async def mark_applied(conn: AsyncConnection, deadline: Deadline, version: int) -> None:
    """The row has seen stream version ``version`` (an event that left this clock as it was)."""
    await conn.execute(MARK_APPLIED, {**deadline.key, "version": version})


async def start_next(
    conn: AsyncConnection, deadline: Deadline, schedule: Schedule, started_by: UUID, started_version: int
) -> int | None:
    """The next interval of a rolling clock (progress updates), right after a breach."""
    return await start(
        conn, deadline.complaint_no, schedule, deadline.department, started_by, started_version
    )


async def mark_stopped(
    conn: AsyncConnection,
    deadline: Deadline,
    at: datetime,
    reason: StopReason,
    *,
    detail: str | None = None,
    event_id: UUID | None = None,
) -> None:
    await conn.execute(
        MARK_STOPPED, {**deadline.key, "at": at, "reason": reason.value, "detail": detail, "event": event_id}
    )


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFilter:
    complaint_no: str | None = None
    state: DeadlineState | None = None
    stage: SlaStage | None = None
    department: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended, in the listing order (due_at, complaint_no, stage, generation)."""

    due_at: datetime
    complaint_no: str
    stage: str
    generation: int


async def find(
    conn: AsyncConnection, where: DeadlineFilter, limit: int, after: Cursor | None = None
) -> list[Deadline]:
    """One page of deadlines by due date; never more than ``limit`` rows."""
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if where.complaint_no is not None:
        conditions.append("complaint_no = :no")
        params["no"] = where.complaint_no
    if where.state is not None:
        conditions.append(STATE_CONDITIONS[where.state])
    if where.stage is not None:
        conditions.append("stage = :stage")
        params["stage"] = where.stage.value
    if where.department is not None:
        conditions.append("department = :department")
        params["department"] = where.department
    if after is not None:
        conditions.append("(due_at, complaint_no, stage, generation) > (:a_due, :a_no, :a_stage, :a_gen)")
        params.update(
            a_due=after.due_at, a_no=after.complaint_no, a_stage=after.stage, a_gen=after.generation
        )
    sql = f"SELECT {COLUMNS} FROM sla_deadlines"
    if conditions:
        sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
    sql += " ORDER BY due_at, complaint_no, stage, generation LIMIT :limit"
    result = await conn.execute(text(sql), params)
    return [_row(row) for row in result]


FOR_COMPLAINT = text(
    f"SELECT {COLUMNS} FROM sla_deadlines WHERE complaint_no = :no ORDER BY started_version, stage"
)


async def for_complaint(conn: AsyncConnection, complaint_no: str) -> Sequence[Deadline]:
    """Every clock of one complaint (a handful), oldest first."""
    result = await conn.execute(FOR_COMPLAINT, {"no": complaint_no})
    return [_row(row) for row in result]


RUNNING_PAGE = text(
    f"SELECT {COLUMNS} FROM sla_deadlines WHERE stopped_at IS NULL "
    "AND (complaint_no, stage, generation) > (:a_no, :a_stage, :a_gen) "
    "ORDER BY complaint_no, stage, generation LIMIT :limit FOR UPDATE"
)


async def running_page(conn: AsyncConnection, after: Deadline | None, limit: int) -> list[Deadline]:
    """One page of running clocks in key order, locked: re-computing never holds them all."""
    params: dict[str, Any] = {"limit": limit, "a_no": "", "a_stage": "", "a_gen": 0}
    if after is not None:
        params.update(a_no=after.complaint_no, a_stage=after.stage.value, a_gen=after.generation)
    return [_row(row) for row in await conn.execute(RUNNING_PAGE, params)]


FINGERPRINT = text("SELECT fingerprint FROM sla_policy_applied WHERE id")
SAVE_FINGERPRINT = text(
    "INSERT INTO sla_policy_applied (id, fingerprint, applied_at) VALUES (true, :fingerprint, :at) "
    "ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, applied_at = excluded.applied_at"
)


async def applied_fingerprint(conn: AsyncConnection) -> str | None:
    """The fingerprint of the policy and calendar the running deadlines were computed with."""
    value = (await conn.execute(FINGERPRINT)).scalar_one_or_none()
    return str(value) if value is not None else None


async def save_fingerprint(conn: AsyncConnection, fingerprint: str, at: datetime) -> None:
    await conn.execute(SAVE_FINGERPRINT, {"fingerprint": fingerprint, "at": at})
