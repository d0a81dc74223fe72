"""HTTP: read the SLA clocks (operators, supervisors and admins see all; agents their
department's); put a complaint on hold and resume it, request, approve and decline extensions
(through the one handler recipe); reload the policy (admins)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.sla import repository
from services.sla.clocks import STOP_REASON_LABELS, StopReason
from services.sla.deadlines import DeadlinePlanner
from services.sla.policy import Duration, PolicyError
from services.sla.repository import Cursor, Deadline, DeadlineFilter, DeadlineState
from shared.clock import ensure_utc
from shared.complaints import (
    ApproveSlaExtension,
    Command,
    DeclineSlaExtension,
    Grade,
    Lang,
    PutComplaintOnHold,
    RequestSlaExtension,
    ResumeComplaint,
    SlaStage,
    label,
)
from shared.durations import IsoDuration
from shared.events import Role
from shared.eventstore.complaint_handling import load
from shared.eventstore.unit_of_work import AppendUnitOfWork
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    ComplaintNoPath,
    not_found,
    run_command,
)
from shared.service.error_responses import error_responses
from shared.service.runtime import Runtime

Labels = dict[Lang, str]
ONE_WORKING_DAY = IsoDuration(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

STATE_LABELS: dict[DeadlineState, Labels] = {
    DeadlineState.OPEN: {"zh-CN": "计时中", "en": "Running"},
    DeadlineState.WARNED: {"zh-CN": "已预警", "en": "Warned"},
    DeadlineState.BREACHED: {"zh-CN": "已超时", "en": "Breached"},
    DeadlineState.STOPPED: {"zh-CN": "已停止计时", "en": "Stopped"},
}


def _labels(value: SlaStage | str) -> Labels:
    return {"zh-CN": label(value, "zh-CN"), "en": label(value, "en")}


class DeadlineView(BaseModel):
    """One SLA clock of a complaint."""

    complaint_no: str = Field(description="The complaint's number.")
    stage: SlaStage = Field(
        description="acknowledgement, first_response (until accepted), initial_plan, progress_update, "
        "resolution (until resolved) or revisit."
    )
    stage_label: Labels = Field(description="The stage's name for people, in zh-CN and en.")
    generation: int = Field(description="1 for the first clock of this stage; one more per restart.")
    grade: Grade = Field(description="The complaint's grade, which set the time limit.")
    department: str | None = Field(description="Code of the responsible department; null before assignment.")
    department_label: Labels | None = Field(description="The department's name, in zh-CN and en.")
    state: DeadlineState = Field(
        description="open: running, not warned; warned; breached: running and overdue; stopped."
    )
    state_label: Labels = Field(description="The state's name for people, in zh-CN and en.")
    started_at: datetime = Field(description="When the clock started (UTC).")
    warn_fraction: float = Field(description="Share of the allowed time at which the warning is due.")
    warn_at: datetime = Field(description="When the warning is (or was) due (UTC).")
    due_at: datetime = Field(description="When the time limit runs out (UTC).")
    warned_at: datetime | None = Field(description="When the SlaWarningRaised was recorded, if it was.")
    breached_at: datetime | None = Field(description="When the SlaBreached was recorded, if it was.")
    escalation_level: int | None = Field(description="The escalation level the breach raised, if any.")
    escalated_to: str | None = Field(description="Who the breach escalated to, e.g. supervisor.")
    stopped_at: datetime | None = Field(description="When the clock stopped; null while it runs.")
    stop_reason: StopReason | None = Field(description="Why the clock stopped, e.g. accepted or resolved.")
    stop_reason_label: Labels | None = Field(description="Why it stopped, for people, in zh-CN and en.")
    stop_detail: str | None = Field(description="More about the stop, e.g. the refusal's reason code.")
    paused_at: datetime | None = Field(
        None, description="On hold (waiting on the complainant) since; null while the clock counts."
    )
    paused_seconds: float = Field(
        0, description="Counted time spent on hold so far (finished pauses), excluded from the deadline."
    )
    extension: str | None = Field(None, description="Approved extensions, summed, ISO-8601 (e.g. P2D).")

    @classmethod
    def of(cls, deadline: Deadline) -> DeadlineView:
        state = deadline.state
        return cls(
            complaint_no=deadline.complaint_no,
            stage=deadline.stage,
            stage_label=_labels(deadline.stage),
            generation=deadline.generation,
            grade=deadline.grade,
            department=deadline.department,
            department_label=_labels(deadline.department) if deadline.department else None,
            state=state,
            state_label=STATE_LABELS[state],
            started_at=deadline.started_at,
            warn_fraction=deadline.warn_fraction,
            warn_at=deadline.warn_at,
            due_at=deadline.due_at,
            warned_at=deadline.warned_at,
            breached_at=deadline.breached_at,
            escalation_level=deadline.escalation_level,
            escalated_to=deadline.escalated_to,
            stopped_at=deadline.stopped_at,
            stop_reason=deadline.stop_reason,
            stop_reason_label=STOP_REASON_LABELS[deadline.stop_reason] if deadline.stop_reason else None,
            stop_detail=deadline.stop_detail,
            paused_at=deadline.paused_at,
            paused_seconds=deadline.paused.total_seconds(),
            extension=deadline.extension.isoformat() if deadline.extension else None,
        )


class DeadlinePage(BaseModel):
    """A page of SLA clocks, earliest due first."""

    items: list[DeadlineView] = Field(description="The clocks on this page, by due_at.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ComplaintDeadlines(BaseModel):
    """Every SLA clock of one complaint."""

    complaint_no: str = Field(description="The complaint's number.")
    items: list[DeadlineView] = Field(description="Its clocks, in the order they started.")


def encode_cursor(deadline: Deadline) -> str:
    raw = json.dumps(
        [deadline.due_at.isoformat(), deadline.complaint_no, deadline.stage.value, deadline.generation]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        due, no, stage, generation = json.loads(raw)
        # ensure_utc: naive, or with no UTC equivalent (year 1 at +14:00), is a ValueError
        due_at = ensure_utc(datetime.fromisoformat(due))
        return Cursor(due_at, str(no), SlaStage(stage).value, int(generation))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise HTTPException(
            422,
            detail={
                "error": "invalid_cursor",
                "message": "cursor is not one this service returned; start again without it",
                "errors": [{"field": "cursor", "type": "invalid_cursor", "message": "unrecognised cursor"}],
            },
        ) from None


Reader = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR, Role.AGENT)]


def deadlines_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["deadlines"])

    @router.get(
        "/deadlines",
        summary="List SLA clocks (时限)",
        response_model=DeadlinePage,
        description="Operators, supervisors and admins see every department; agents see only "
        "their own department's clocks. Ordered by due_at; page with `cursor`.",
    )
    async def list_deadlines(
        principal: Reader,
        complaint_no: Annotated[str | None, Query(min_length=1, description="Only this complaint.")] = None,
        state: Annotated[
            DeadlineState | None,
            Query(description="open (running, not warned), warned, breached (running, overdue) or stopped."),
        ] = None,
        stage: Annotated[
            SlaStage | None,
            Query(
                description="acknowledgement, first_response, initial_plan, progress_update, "
                "resolution or revisit."
            ),
        ] = None,
        department: Annotated[
            str | None, Query(min_length=1, description="Only this department's clocks.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="Page size, 1 to 500.")] = 100,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    ) -> DeadlinePage:
        if principal.role is Role.AGENT:
            if department is not None and department != principal.department:
                raise HTTPException(
                    403,
                    detail={
                        "error": "forbidden",
                        "message": "agents see only their own department's deadlines",
                        "message_zh": "坐席只能查看本部门的时限",
                    },
                )
            department = principal.department
        where = DeadlineFilter(complaint_no=complaint_no, state=state, stage=stage, department=department)
        after = decode_cursor(cursor) if cursor else None
        async with runtime.engine.connect() as conn:
            rows = await repository.find(conn, where, limit + 1, after)
        page = rows[:limit]
        return DeadlinePage(
            items=[DeadlineView.of(row) for row in page],
            next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
        )

    @router.get(
        "/complaints/{complaint_no}/deadlines",
        summary="SLA clocks of one complaint",
        response_model=ComplaintDeadlines,
        description="404 for a complaint that does not exist, and for agents of other departments.",
        responses=error_responses(described={404: "No such complaint (or not your department's)."}),
    )
    async def complaint_deadlines(
        principal: Reader,
        complaint_no: ComplaintNoPath,
    ) -> ComplaintDeadlines:
        state, _ = await load(runtime.store, complaint_no)
        if not state.exists or not principal.sees_department(state.department):
            raise not_found(complaint_no)
        async with runtime.engine.connect() as conn:
            rows = await repository.for_complaint(conn, complaint_no)
        return ComplaintDeadlines(complaint_no=complaint_no, items=[DeadlineView.of(row) for row in rows])

    return router


# --- commands: waiting on the complainant, extensions, policy reload --------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HoldRequest(_Body):
    """Wait on the complainant (等待投诉人): the resolution and progress clocks pause."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "等待客户提供故障照片"}]})

    reason: str = Field(min_length=1, max_length=1000, description="What the department waits for.")


class ResumeRequest(_Body):
    """The wait is over; the paused clocks count again. The body may be empty ({})."""

    note: str | None = Field(
        None, min_length=1, max_length=1000, description="What the complainant provided."
    )


class Consent(_Body):
    """How and when the complainant agreed to the extension."""

    via: str = Field(
        min_length=1, max_length=50, description="phone, sms, email, in_person, letter, online ..."
    )
    at: datetime = Field(description="When the complainant agreed (ISO-8601 with a time zone).")
    note: str | None = Field(None, max_length=1000, description="What was agreed, e.g. a call reference.")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2026-01-05T10:00:00+08:00")
        utc = ensure_utc(value)  # ValueError (a 422) when it has no UTC equivalent (year 0)
        if not EARLIEST <= utc < LATEST:
            raise ValueError("the consent must be given in the years 2000 to 2099")
        return utc


class ExtensionRequest(_Body):
    """Ask for more time (延期申请), at least one working day before the deadline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stage": "resolution",
                    "extension": "P2D",
                    "reason": "需等待供应商检测报告",
                    "consent": {"via": "phone", "at": "2026-01-05T10:00:00+08:00"},
                }
            ]
        }
    )

    stage: SlaStage = Field(description="Which time limit, e.g. resolution.")
    extension: Duration = Field(
        description="Extra time, ISO-8601 (P2D, PT8H); on a working-time limit days are working days "
        "and hours working hours (PT24H is 24 working hours, not one working day). With the "
        "extensions already approved on the clock, at most the policy's max_extension for the stage "
        "(default P10D for resolution), compared as the clock counts them."
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why the deadline cannot be met.")
    consent: Consent = Field(description="The complainant's consent.")


class ApproveRequest(_Body):
    """Approve the pending extension. The body may be empty ({})."""

    note: str | None = Field(None, min_length=1, max_length=1000, description="The supervisor's note.")


class DeclineRequest(_Body):
    """Decline the pending extension."""

    reason: str = Field(min_length=1, max_length=1000, description="Why it is declined.")


class PolicyReloaded(BaseModel):
    """The policy file was read again; running deadlines were re-computed if it changed."""

    fingerprint: str = Field(description="sha256 of the policy now in force.")
    changed: int | None = Field(
        description="Running deadlines whose warning or deadline moved; null when the policy is unchanged."
    )


def _over_maximum(planner: DeadlinePlanner, clock: Deadline, extension: IsoDuration) -> dict[str, Any] | None:
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


def _field_error(field: str, refusal: dict[str, Any]) -> dict[str, Any]:
    return {"field": field, "type": refusal["error"], "message": refusal["message"]}


Workers = Annotated[Principal, require(Role.AGENT, Role.SUPERVISOR)]
Supervisors = Annotated[Principal, require(Role.SUPERVISOR)]
Admins = Annotated[Principal, require()]

COMMAND_RESPONSES = error_responses(
    described={
        404: "No such complaint (or not your department's).",
        409: "Refused by the complaint's rules; recorded.",
    },
    models={409: CommandRefused},
)


class PolicyControl(Protocol):
    """What the API needs of the service to count notice and reload the policy."""

    @property
    def planner(self) -> DeadlinePlanner: ...

    async def reload(self, *, force: bool = False) -> tuple[str, int | None]: ...


def clock_commands_router(runtime: Runtime, control: PolicyControl) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["clock rules"])

    async def run(principal: Principal, complaint_no: str, command: Command) -> JSONResponse:
        return await run_command(
            AppendUnitOfWork(runtime.store), runtime.clock, principal, complaint_no, command
        )

    async def _approvable(complaint_no: str, stage: SlaStage) -> None:
        """409 when the pending extension would now take the clock past the policy's maximum
        (lowered since it was requested); everything else is the complaint's rules' to refuse."""
        state, _ = await load(runtime.store, complaint_no)
        pending = next((p for p in state.pending_extensions if p.stage == stage), None)
        if pending is None:
            return
        async with runtime.engine.connect() as conn:
            clocks = await repository.running(conn, complaint_no, {stage}, state.version + 1)
        over = _over_maximum(control.planner, clocks[0], pending.extension) if clocks else None
        if over is not None:  # shaped like CommandRefused, though nothing is recorded
            raise HTTPException(
                409, detail={**over, "complaint_no": complaint_no, "stream_version": state.version}
            )

    @router.post(
        "/complaints/{complaint_no}/hold",
        response_model=CommandResult,
        responses=COMMAND_RESPONSES,
        summary="Wait on the complainant (等待投诉人)",
        description="The responsible department's agent (or a supervisor). The resolution and "
        "progress clocks pause; the time on hold does not count against the department.",
    )
    async def hold(complaint_no: ComplaintNoPath, body: HoldRequest, principal: Workers) -> JSONResponse:
        command = PutComplaintOnHold(actor=principal.actor, at=runtime.clock.now(), reason=body.reason)
        return await run(principal, complaint_no, command)

    @router.post(
        "/complaints/{complaint_no}/resume",
        response_model=CommandResult,
        responses=COMMAND_RESPONSES,
        summary="Resume after waiting on the complainant (恢复处理)",
    )
    async def resume(
        complaint_no: ComplaintNoPath, principal: Workers, body: ResumeRequest | None = None
    ) -> JSONResponse:
        note = body.note if body else None
        command = ResumeComplaint(actor=principal.actor, at=runtime.clock.now(), note=note)
        return await run(principal, complaint_no, command)

    @router.post(
        "/complaints/{complaint_no}/extensions",
        response_model=CommandResult,
        responses={
            **COMMAND_RESPONSES,
            409: {
                "model": CommandRefused,
                "description": "Refused (e.g. extension_too_late: less than one working day before "
                "the deadline; extension_pending; no_running_clock).",
            },
            422: {
                "description": "Invalid body, e.g. `extension_over_maximum`: with the extensions already "
                "approved, the clock would get more than the policy's max_extension for the stage "
                "(`max_extension` and `approved_extension` say how much); or `consent.at` outside 2000-2099."
            },
        },
        summary="Request an extension (延期申请)",
        description="The responsible department's agent, with the complainant's consent, at least "
        "one working day (on the business calendar) before the stage's deadline. A supervisor "
        "approves or declines it.",
    )
    async def request_extension(
        complaint_no: ComplaintNoPath, body: ExtensionRequest, principal: Workers
    ) -> JSONResponse:
        state, _ = await load(runtime.store, complaint_no)
        if not state.exists or not principal.sees_department(state.department):
            raise not_found(complaint_no)
        async with runtime.engine.connect() as conn:
            clocks = await repository.running(conn, complaint_no, {body.stage}, state.version + 1)
        if not clocks:
            raise HTTPException(
                409,
                detail={
                    "error": "no_running_clock",
                    "message": f"no {body.stage.value} clock is running for {complaint_no}",
                    "message_zh": f"投诉 {complaint_no} 没有正在计时的「{label(body.stage, 'zh-CN')}」时限",
                    # shaped like CommandRefused, as the 409 is documented, though nothing is recorded
                    "complaint_no": complaint_no,
                    "stream_version": state.version,
                },
            )
        over = _over_maximum(control.planner, clocks[0], body.extension)
        if over is not None:
            raise HTTPException(422, detail={**over, "errors": [_field_error("extension", over)]})
        now = runtime.clock.now()
        calendar = control.planner.calendar
        # One working day's notice, on the business calendar (24×7 when there is none).
        notice_until = calendar.add(now, ONE_WORKING_DAY) if calendar else now + ONE_WORKING_DAY.total()
        command = RequestSlaExtension(
            actor=principal.actor,
            at=now,
            stage=body.stage,
            extension=body.extension,
            reason=body.reason,
            consent_via=body.consent.via,
            consent_at=body.consent.at,
            consent_note=body.consent.note,
            deadline=clocks[0].due_at,
            notice_until=notice_until,
        )
        return await run(principal, complaint_no, command)

    @router.post(
        "/complaints/{complaint_no}/extensions/{stage}/approve",
        response_model=CommandResult,
        responses={
            **COMMAND_RESPONSES,
            409: {
                "model": CommandRefused,
                "description": "Refused by the complaint's rules and recorded (e.g. no_extension_pending), "
                "or `extension_over_maximum`: the policy's maximum was lowered since the request "
                "(not recorded).",
            },
        },
        summary="Approve an extension (批准延期)",
        description="Supervisors. The stage's deadline moves by the extension; its warning too.",
    )
    async def approve_extension(
        complaint_no: ComplaintNoPath,
        stage: SlaStage,
        principal: Supervisors,
        body: ApproveRequest | None = None,
    ) -> JSONResponse:
        await _approvable(complaint_no, stage)
        command = ApproveSlaExtension(
            actor=principal.actor, at=runtime.clock.now(), stage=stage, note=body.note if body else None
        )
        return await run(principal, complaint_no, command)

    @router.post(
        "/complaints/{complaint_no}/extensions/{stage}/decline",
        response_model=CommandResult,
        responses=COMMAND_RESPONSES,
        summary="Decline an extension (驳回延期)",
    )
    async def decline_extension(
        complaint_no: ComplaintNoPath, stage: SlaStage, body: DeclineRequest, principal: Supervisors
    ) -> JSONResponse:
        command = DeclineSlaExtension(
            actor=principal.actor, at=runtime.clock.now(), stage=stage, reason=body.reason
        )
        return await run(principal, complaint_no, command)

    @router.post(
        "/admin/sla/policy/reload",
        response_model=PolicyReloaded,
        responses=error_responses(described={422: "The policy file is invalid; nothing changed."}),
        summary="Reload the SLA policy file",
        description="Admins. Reads TOUSU_SLA_POLICY_FILE (or the packaged policy) again; when it "
        "changed, every running deadline is re-computed from its start, the new limit, its "
        "extensions and its time on hold. A bad file changes nothing.",
    )
    async def reload_policy(
        principal: Admins,
        force: Annotated[
            bool,
            Query(description="Re-compute even when the policy is unchanged (e.g. after a calendar edit)."),
        ] = False,
    ) -> PolicyReloaded:
        try:
            fingerprint, changed = await control.reload(force=force)
        except PolicyError as error:
            raise HTTPException(422, detail={"error": "invalid_policy", "message": str(error)}) from None
        return PolicyReloaded(fingerprint=fingerprint, changed=changed)

    return router
