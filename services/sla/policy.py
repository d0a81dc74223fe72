"""The SLA policy as data: time limits per grade, the warning fraction, the escalation chain.

The packaged ``policy.yaml`` is the default; ``TOUSU_SLA_POLICY_FILE`` replaces it. The file is
validated when the service starts, and a bad one stops it with an error naming the bad key
(``grades.urgent.resolution: ...``). Durations are ISO-8601 strings (``PT12H``, ``P3D``); a
limit keeps its days apart from its hours, so ``PT24H`` counted on the calendar is 24 working
hours and ``P1D`` one working day.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from shared.complaints import BASE_GRADE, Category, Grade, SlaStage
from shared.durations import DAY, DurationError, IsoDuration

LONGEST = IsoDuration(days=3660)
"""No time limit or extension is longer than about ten years: a deadline counted from any instant
the services accept (up to 2099) stays far inside what a datetime can hold, and a working-time
calendar never counts for ever.

Days and hours are compared on a wall clock against it (a day is 24 hours, so ``P3660D`` and
``PT87840H`` are both the longest, and ``P3000DT15840H`` too): :func:`longer_than_longest`. On a
working-time limit those hours are working hours and count further than as many wall-clock
hours, but even a calendar of one working hour a day counts ``PT87840H`` out within about 240
years of 2099, still far inside a datetime; the bound is there to keep every deadline countable,
not to say how long a complaint may take (the policy's ``max_extension`` does that)."""


def longer_than_longest(duration: IsoDuration) -> bool:
    """Whether ``duration`` on a wall clock (a day is 24 hours) is longer than :data:`LONGEST`;
    never overflows, however many days or hours it has."""
    if duration.days > LONGEST.days:
        return True
    return duration.time > LONGEST.total() - duration.days * DAY


def at_most_longest(duration: IsoDuration) -> IsoDuration:
    """``duration``, or :data:`LONGEST` when it is longer."""
    return LONGEST if longer_than_longest(duration) else duration


def parse_duration(value: object) -> IsoDuration:
    """An ISO-8601 duration such as PT4H, P3D or P1DT12H (no years or months), longer than zero
    and at most :data:`LONGEST`.

    Its days stay days and its hours stay hours (``PT24H`` is not ``P1D``): see
    :mod:`shared.durations`."""
    try:
        duration = IsoDuration.of(value)
    except DurationError as error:
        raise ValueError(str(error)) from None
    except OverflowError:  # more hours than a timedelta holds (PT99999999999H)
        raise ValueError(f"{_format(value)} is longer than the longest allowed, {LONGEST}") from None
    if not duration:
        raise ValueError("a time limit must be longer than zero")
    if longer_than_longest(duration):
        raise ValueError(f"{_format(value)} is longer than the longest allowed, {LONGEST}")
    return duration


def _format(value: object) -> str:
    return value.strip() if isinstance(value, str) else str(value)


Duration = Annotated[IsoDuration, BeforeValidator(parse_duration)]
"""A positive ISO-8601 duration (PT12H, P3D), days and hours kept apart, at most :data:`LONGEST`."""

WarnFraction = Annotated[float, Field(gt=0, lt=1)]


class Counting(StrEnum):
    """How a limit is counted."""

    WORKING = "working"
    """On the business calendar: the days of the limit (``P3D``) are working days, its hours
    (``PT24H``, also 24 or more) working hours counted across as many days as they take."""
    ALWAYS = "24x7"
    """Every second counts."""


class Target(BaseModel):
    """One time limit and how it is counted. In YAML either ``PT4H`` (24×7) or
    ``{limit: P3D, counting: working}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Duration = Field(description="The time allowed, an ISO-8601 duration such as PT12H or P3D.")
    counting: Counting = Field(
        Counting.ALWAYS, description="working: on the business calendar; 24x7: wall-clock time."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | timedelta | IsoDuration):
            return {"limit": value}
        return value


STAGE_FIELDS: dict[SlaStage, str] = {
    SlaStage.ACKNOWLEDGEMENT: "acknowledgement",
    SlaStage.FIRST_RESPONSE: "first_response",
    SlaStage.INITIAL_PLAN: "initial_plan",
    SlaStage.PROGRESS_UPDATE: "progress_interval",
    SlaStage.RESOLUTION: "resolution",
    SlaStage.REVISIT: "revisit",
    SlaStage.DIRECTOR_REPORT: "director_report",
    SlaStage.COOPERATION_ACCEPTANCE: "cooperation_acceptance",
    SlaStage.COOPERATION_CONTRIBUTION: "cooperation_contribution",
    SlaStage.EIGHT_D_CONTAINMENT: "eight_d_containment",
    SlaStage.EIGHT_D_COUNTERMEASURE: "eight_d_countermeasure",
    SlaStage.EIGHT_D_CLOSURE: "eight_d_closure",
}
"""The policy key of each clock's limit (of max_extension's; the 8D limits are under eight_d)."""

EIGHT_D_FIELDS: dict[SlaStage, str] = {
    SlaStage.EIGHT_D_CONTAINMENT: "containment",
    SlaStage.EIGHT_D_COUNTERMEASURE: "countermeasure",
    SlaStage.EIGHT_D_CLOSURE: "closure",
}
"""The clocks of an 8D case (shared/complaints/stages/eight_d.py) and their keys under eight_d."""


class EightDLimits(BaseModel):
    """The time limits of an 8D case, from its opening, whatever the complaint's grade (a case is
    opened for severe complaints, or by hand): containment (D3) within 24 h round the clock, the
    permanent countermeasure (D5) within 2 working days, the whole case (D8) within a week."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    containment: Target = Field(
        Target(limit=IsoDuration.hours(24)), description="Until D3 (containment) is recorded, e.g. PT24H."
    )
    countermeasure: Target = Field(
        Target(limit=IsoDuration(days=2), counting=Counting.WORKING),
        description="Until D5 (the permanent corrective action) is recorded, e.g. P2D working.",
    )
    closure: Target = Field(
        Target(limit=IsoDuration(days=7)), description="Until D8 closes the case, e.g. P7D (P1W)."
    )

    def target(self, stage: SlaStage) -> Target:
        target: Target = getattr(self, EIGHT_D_FIELDS[stage])
        return target


class GradeLimits(BaseModel):
    """The time limits of one grade (or of one grade in one category)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response: Target = Field(
        description="From assignment (or transfer, or reopen) until the department accepts, e.g. PT12H."
    )
    resolution: Target = Field(
        description="From receipt (or reopen) until resolved, closed or withdrawn, e.g. P3D working."
    )
    acknowledgement: Target | None = Field(
        None, description="From receipt until the complainant is told it was received, e.g. PT1H."
    )
    initial_plan: Target | None = Field(
        None, description="From receipt until the department records its initial plan (handling opinion)."
    )
    progress_interval: Target | None = Field(
        None, description="Longest time between progress updates, from acceptance until resolved."
    )
    revisit: Target | None = Field(None, description="From the resolution until the revisit's feedback.")
    director_report: Target | None = Field(
        None,
        description="From a report beyond the handler's authority until the director's instruction (PT24H).",
    )
    cooperation_acceptance: Target | None = Field(
        None,
        description="Per co-operating department: from its co-operation request until it signs for it.",
    )
    cooperation_contribution: Target | None = Field(
        None,
        description="Per co-operating department: from its sign-for until it records its contribution.",
    )
    warn_fraction: WarnFraction | None = Field(
        None, description="Overrides the policy's warn_fraction for this grade."
    )
    escalation_chain: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, min_length=1, description="Overrides the policy's escalation_chain for this grade."
    )

    def target(self, stage: SlaStage) -> Target:
        target = self.target_or_none(stage)
        if target is None:
            raise KeyError(f"the policy sets no {stage.value} limit for this grade")
        return target

    def target_or_none(self, stage: SlaStage) -> Target | None:
        """The limit of ``stage``; None when the policy runs no such clock for this grade."""
        target: Target | None = getattr(self, STAGE_FIELDS[stage], None)  # none of 8D's
        return target

    def limit(self, stage: SlaStage) -> IsoDuration:
        return self.target(stage).limit


class GradeOverrides(BaseModel):
    """Limits of one grade that a category changes; the others come from the grade."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response: Target | None = Field(None, description="Replaces the grade's first_response.")
    resolution: Target | None = Field(None, description="Replaces the grade's resolution.")
    acknowledgement: Target | None = Field(None, description="Replaces the grade's acknowledgement.")
    initial_plan: Target | None = Field(None, description="Replaces the grade's initial_plan.")
    progress_interval: Target | None = Field(None, description="Replaces the grade's progress_interval.")
    revisit: Target | None = Field(None, description="Replaces the grade's revisit.")
    director_report: Target | None = Field(None, description="Replaces the grade's director_report.")
    cooperation_acceptance: Target | None = Field(
        None, description="Replaces the grade's cooperation_acceptance."
    )
    cooperation_contribution: Target | None = Field(
        None, description="Replaces the grade's cooperation_contribution."
    )
    warn_fraction: WarnFraction | None = Field(None, description="Replaces the grade's warn_fraction.")
    escalation_chain: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, min_length=1, description="Replaces the grade's escalation_chain."
    )


class GradesPolicy(BaseModel):
    """Time limits for each grade; every grade must be given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    general: GradeLimits = Field(description="Limits of general (一般) complaints.")
    complex: GradeLimits = Field(description="Limits of complex (复杂) complaints.")
    urgent: GradeLimits = Field(description="Limits of urgent (紧急) complaints.")


class CategoryOverrides(BaseModel):
    """Per-grade changes for one category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    general: GradeOverrides | None = Field(None, description="Changes for general complaints.")
    complex: GradeOverrides | None = Field(None, description="Changes for complex complaints.")
    urgent: GradeOverrides | None = Field(None, description="Changes for urgent complaints.")


class ExtensionLimits(BaseModel):
    """The most time approved extensions may add to one clock of each stage, counted like the
    stage's limit (working days and working hours on a working-time limit). A request that would
    take a clock past it is refused (422); so is approving one after the maximum was lowered (409).
    Days and hours are not folded into each other: in one unit the sums compare as written; mixed
    (PT24H against P1D), both are counted from the clock's start the way the clock counts
    (services/sla/extensions.py ``_fits``), so 24 working hours do not fit under one working day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgement: Duration = Field(IsoDuration.hours(4), description="Acknowledgement clocks, e.g. PT4H.")
    first_response: Duration = Field(IsoDuration(days=1), description="First-response clocks, e.g. P1D.")
    initial_plan: Duration = Field(IsoDuration(days=5), description="Initial-plan clocks, e.g. P5D.")
    progress_interval: Duration = Field(
        IsoDuration(days=2), description="Each progress-update clock, e.g. P2D."
    )
    resolution: Duration = Field(IsoDuration(days=10), description="Resolution clocks, e.g. P10D.")
    revisit: Duration = Field(IsoDuration(days=7), description="Revisit clocks, e.g. P7D.")
    director_report: Duration = Field(
        IsoDuration(days=1), description="Clocks waiting for the director's instruction, e.g. P1D."
    )
    cooperation_acceptance: Duration = Field(
        IsoDuration(days=1), description="A co-operating department's sign-for clocks, e.g. P1D."
    )
    cooperation_contribution: Duration = Field(
        IsoDuration(days=3), description="A co-operating department's contribution clocks, e.g. P3D."
    )
    eight_d_containment: Duration = Field(IsoDuration.hours(12), description="8D containment, e.g. PT12H.")
    eight_d_countermeasure: Duration = Field(
        IsoDuration(days=2), description="8D permanent countermeasure, e.g. P2D."
    )
    eight_d_closure: Duration = Field(IsoDuration(days=7), description="8D closure, e.g. P7D.")

    def of(self, stage: SlaStage) -> IsoDuration:
        limit: IsoDuration = getattr(self, STAGE_FIELDS[stage])
        return limit


class SlaPolicy(BaseModel):
    """The whole SLA policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warn_fraction: WarnFraction = Field(
        0.8, description="Share of the allowed time after which a warning is raised."
    )
    grades: GradesPolicy = Field(description="Time limits per grade.")
    categories: dict[Category, CategoryOverrides] = Field(
        default_factory=dict, description="Per category, limits that differ from the grade's."
    )
    escalation_chain: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=lambda: ["supervisor", "operations_manager", "general_manager"],
        min_length=1,
        description="Who a breach escalates to: level 1 is the first entry; higher levels stay at the last.",
    )
    max_extension: ExtensionLimits = Field(
        default_factory=ExtensionLimits,
        description="Per stage, the most time approved extensions may add to one clock.",
    )
    eight_d: EightDLimits = Field(
        default_factory=EightDLimits,
        description="The limits of an 8D case (containment, countermeasure, closure), for every grade.",
    )

    def limits(self, grade: Grade, category: Category | None = None) -> GradeLimits:
        """The grade's limits, with the category's changes applied when it has any."""
        grade = BASE_GRADE[grade]  # level_1/2/3, batch, severe: the limits of equal severity
        limits: GradeLimits = getattr(self.grades, grade.value)
        overrides = self.categories.get(category) if category is not None else None
        changes: GradeOverrides | None = getattr(overrides, grade.value) if overrides else None
        if changes is None:
            return limits
        update = {
            name: getattr(changes, name)
            for name in GradeOverrides.model_fields
            if getattr(changes, name) is not None
        }
        return limits.model_copy(update=update)

    def target(self, grade: Grade, stage: SlaStage, category: Category | None = None) -> Target:
        if stage in EIGHT_D_FIELDS:
            return self.eight_d.target(stage)
        return self.limits(grade, category).target(stage)

    def target_or_none(
        self, grade: Grade, stage: SlaStage, category: Category | None = None
    ) -> Target | None:
        """The limit of ``stage``, or None when the policy runs no such clock for the grade."""
        if stage in EIGHT_D_FIELDS:
            return self.eight_d.target(stage)
        return self.limits(grade, category).target_or_none(stage)

    def limit(self, grade: Grade, stage: SlaStage, category: Category | None = None) -> IsoDuration:
        return self.target(grade, stage, category).limit

    def warn_fraction_for(self, grade: Grade, category: Category | None = None) -> float:
        override = self.limits(grade, category).warn_fraction
        return override if override is not None else self.warn_fraction

    def escalation_role(
        self, level: int, grade: Grade | None = None, category: Category | None = None
    ) -> str:
        """Who escalation ``level`` (1 and up) goes to, on the grade's chain when it has its own."""
        if level < 1:
            raise ValueError(f"escalation levels start at 1, not {level}")
        chain = self.escalation_chain
        if grade is not None:
            chain = self.limits(grade, category).escalation_chain or chain
        return chain[min(level, len(chain)) - 1]


class PolicyError(ValueError):
    """The policy file is missing, is not YAML, or does not validate; the message names the key."""


DEFAULT_POLICY_NAME = "policy.yaml"


def default_policy_text() -> str:
    return (files("services.sla") / DEFAULT_POLICY_NAME).read_text(encoding="utf-8")


def parse_policy(text: str, source: str = "SLA policy") -> SlaPolicy:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyError(f"{source} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{source} must be a mapping with the keys warn_fraction, grades, escalation_chain")
    try:
        return SlaPolicy.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top level)'}: {_message(e)}"
            for e in error.errors(include_url=False)
        )
        raise PolicyError(f"{source} is invalid: {problems}") from None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "missing"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The policy in ``path``, or the packaged default; raises PolicyError when it is unusable."""
    if path is None:
        return parse_policy(default_policy_text(), "the packaged SLA policy")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(
            f"SLA policy file {path} cannot be read (TOUSU_SLA_POLICY_FILE): {error.strerror}"
        ) from None
    return parse_policy(text, f"SLA policy file {path}")
