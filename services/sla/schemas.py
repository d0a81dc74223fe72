"""Request and response bodies of the sla service's API."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.sla.clocks import STOP_REASON_LABELS, StopReason
from services.sla.policy import Duration
from services.sla.repository import Deadline, DeadlineState
from shared.clock import ensure_utc
from shared.complaints import Grade, Lang, SlaStage, label

Labels = dict[Lang, str]
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

    stage: SlaStage = Field(
        description="Which time limit, e.g. resolution (not a co-operating department's: those run "
        "one per department and are not extended)."
    )

    @field_validator("stage")
    @classmethod
    def _not_a_cooperation_stage(cls, stage: SlaStage) -> SlaStage:
        if stage in (SlaStage.COOPERATION_ACCEPTANCE, SlaStage.COOPERATION_CONTRIBUTION):
            raise ValueError("a co-operating department's time limit is not extended")
        return stage

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
