"""The grading policy (分级规则): grading scheme, rules, not-a-complaint rules, required fields.

The policy is a YAML file (default ``grading.yaml`` beside this module; override with
``TOUSU_INTAKE_GRADING_FILE``), validated at start-up: an unknown key, grade outside the chosen
scheme, category, channel or field name stops the service with every problem as ``file:line``.

Grading: every rule whose conditions all hold fires; the complaint gets the most severe grade of
``default_grade`` and the fired rules' grades (severity is the order of the scheme), and
:class:`~shared.complaints.events.Assessment` records the deciding rule and every rule fired.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.intake.submitters import Submitters
from shared.complaints.events import Assessment
from shared.complaints.values import GRADING_SCHEMES, Category, Channel, ComplainantKind, Grade
from shared.policyfile import (
    ONE_OR_MANY,
    PolicyFileError,
    Problem,
    node_line,
    read_policy_text,
    validated,
)

DEFAULT_RULE = "default"
"""The ``grade_rule`` recorded when no rule raised the grade above ``default_grade``."""

RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"

FieldName = Literal[
    "complainant.name",
    "complainant.phone",
    "complainant.email",
    "complainant.customer_id",
    "complainant.employee_id",
    "complainant.department",
    "complainant.address",
    "complainant.id_number",
    "product_refs",
    "order_refs",
    "attachments",
    "industrial.product_no",
    "industrial.shipment_date",
    "industrial.shipment_quantity",
    "industrial.defect_rate",
    "industrial.found_at",
]
"""The submission fields a policy may require."""


class GradingMatch(BaseModel):
    """When a grading rule fires: every given condition holds (any listed value of each)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Annotated[list[Category] | None, ONE_OR_MANY] = Field(
        None, description="Categories, e.g. product_quality.", min_length=1
    )
    channel: Annotated[list[Channel] | None, ONE_OR_MANY] = Field(
        None, description="Channels, e.g. hotline.", min_length=1
    )
    complainant_kind: Annotated[list[ComplainantKind] | None, ONE_OR_MANY] = Field(
        None, description="customer or employee.", min_length=1
    )
    keywords: Annotated[list[Annotated[str, Field(min_length=1)]] | None, ONE_OR_MANY] = Field(
        None, description="Any of these words in the subject or content (case-insensitive).", min_length=1
    )
    min_defect_rate: float | None = Field(
        None, description="The industrial defect rate is at least this, e.g. 0.3 (batch rule).", gt=0, le=1
    )
    min_refs: int | None = Field(
        None, description="At least this many product and order references together.", ge=1
    )

    @model_validator(mode="after")
    def _has_a_condition(self) -> GradingMatch:
        if all(getattr(self, name) is None for name in GradingMatch.model_fields):
            raise ValueError("a rule needs at least one condition")
        return self


class GradingRule(BaseModel):
    """A grading rule: when ``match`` holds, the complaint is at least ``grade``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Unique name, recorded in the assessment.", pattern=RULE_NAME)
    match: GradingMatch = Field(description="The conditions; all must hold.")
    grade: Grade = Field(description="The grade this rule gives; must belong to the scheme.")


class NotAComplaintRule(BaseModel):
    """A rule that finds a submission is not a complaint (e.g. praise): any keyword."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Unique name, recorded as validity_rule.", pattern=RULE_NAME)
    keywords: list[Annotated[str, Field(min_length=1)]] = Field(
        description="Any of these words in the subject or content.", min_length=1
    )


class RequiredFields(BaseModel):
    """Fields a submission must carry beyond the schema, per channel and per category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: dict[Channel, list[FieldName]] = Field(default_factory=dict, description="Per channel.")
    categories: dict[Category, list[FieldName]] = Field(default_factory=dict, description="Per category.")


class Recurrence(BaseModel):
    """The recurrence rule: the same product and problem (category) ``count`` times (this one
    included) within ``days`` days makes the complaint at least ``grade``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        "recurrence", description="Recorded in the assessment when it fires.", pattern=RULE_NAME
    )
    count: int = Field(3, description="How many complaints, this one included.", ge=2)
    days: int = Field(30, description="Within how many days.", ge=1)
    grade: Grade = Field(description="The grade it gives; must belong to the scheme.")


class DuplicateRule(BaseModel):
    """Possible duplicates: the same complainant (by a keyed hash of the contact) about the same
    subject (normalised subject lines at least ``min_similarity`` alike) within ``window_days``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("same-complainant-same-subject", description="Recorded on the link.", pattern=RULE_NAME)
    window_days: int = Field(7, description="How far back to look, in days.", ge=1, le=366)
    min_similarity: float = Field(
        0.8, description="Subject similarity from which it is the same subject (1 = equal).", gt=0, le=1
    )


class GradingPolicy(BaseModel):
    """The validated policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: Literal["general_complex_urgent", "levels", "manufacturing"] = Field(
        description="The organisation's grading scheme."
    )
    default_grade: Grade = Field(description="The grade when no rule gives a more severe one.")
    rules: list[GradingRule] = Field(default_factory=list, description="Grading rules.")
    not_a_complaint: list[NotAComplaintRule] = Field(
        default_factory=list, description="Rules finding a submission is not a complaint."
    )
    required_fields: RequiredFields = Field(
        default_factory=RequiredFields, description="Required fields per channel and category."
    )
    recurrence: Recurrence | None = Field(None, description="The recurrence rule; omitted: none.")
    duplicates: DuplicateRule | None = Field(
        default_factory=DuplicateRule, description="The possible-duplicate rule; null: none."
    )
    submitters: dict[Channel, Submitters] | None = Field(
        None, description="Who may submit on each channel; omitted: every submitting role on every channel."
    )
    source: str = Field("<policy>", description="Where the policy was read from.", exclude=True)

    @property
    def grades(self) -> tuple[Grade, ...]:
        """The scheme's grades, least severe first."""
        return GRADING_SCHEMES[self.scheme]

    def assess(self, submission: Any) -> tuple[Grade, Assessment]:
        """The grade of a submission (anything with the ComplaintReceived fields) and why."""
        text = f"{submission.subject}\n{submission.content}".casefold()
        fired = [rule for rule in self.rules if _fires(rule.match, submission, text)]
        grade, decided_by = self.default_grade, DEFAULT_RULE
        for rule in fired:
            if self.grades.index(rule.grade) > self.grades.index(grade):
                grade, decided_by = rule.grade, rule.name
        invalid = next(
            (rule for rule in self.not_a_complaint if any(w.casefold() in text for w in rule.keywords)),
            None,
        )
        return grade, Assessment(
            scheme=self.scheme,
            grade_rule=decided_by,
            rules_fired=[rule.name for rule in fired],
            valid=invalid is None,
            validity_rule=invalid.name if invalid is not None else None,
        )

    def raise_grade(
        self, grade: Grade, assessment: Assessment, to: Grade, rule: str
    ) -> tuple[Grade, Assessment]:
        """``to`` fired by ``rule`` (recorded); it decides when more severe than ``grade``."""
        update: dict[str, Any] = {"rules_fired": [*assessment.rules_fired, rule]}
        if self.grades.index(to) > self.grades.index(grade):
            grade, update["grade_rule"] = to, rule
        return grade, assessment.model_copy(update=update)

    def missing_fields(self, submission: Any) -> list[str]:
        """The required fields the submission lacks (complainant fields not asked of anonymous ones)."""
        wanted = [
            *self.required_fields.channels.get(submission.channel, []),
            *self.required_fields.categories.get(submission.category, []),
        ]
        missing: list[str] = []
        for name in dict.fromkeys(wanted):
            if name.startswith("complainant.") and submission.anonymous:
                continue
            if _empty(_value(submission, name)):
                missing.append(name)
        return missing


def _fires(match: GradingMatch, submission: Any, text: str) -> bool:
    if match.category is not None and submission.category not in match.category:
        return False
    if match.channel is not None and submission.channel not in match.channel:
        return False
    if match.complainant_kind is not None and submission.complainant_kind not in match.complainant_kind:
        return False
    if match.keywords is not None and not any(word.casefold() in text for word in match.keywords):
        return False
    if match.min_defect_rate is not None:
        rate = submission.industrial.defect_rate if submission.industrial is not None else None
        if rate is None or rate < match.min_defect_rate:
            return False
    return (
        match.min_refs is None or len(submission.product_refs) + len(submission.order_refs) >= match.min_refs
    )


def _value(submission: Any, name: str) -> Any:
    value = submission
    for part in name.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


class GradingPolicyError(PolicyFileError):
    """The grading policy is unusable; the intake service refuses to start."""

    what = "grading policy"


def default_policy_file() -> Path:
    return Path(str(resources.files("services.intake").joinpath("grading.yaml")))


def load_policy(path: Path | None = None) -> GradingPolicy:
    """Read and validate a policy file (default: the packaged grading.yaml)."""
    path = path or default_policy_file()
    text = read_policy_text(path, GradingPolicyError)
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "<policy>") -> GradingPolicy:
    """Validate the YAML text of a policy; GradingPolicyError lists every problem with its line."""
    document = validated(
        GradingPolicy, text, source, GradingPolicyError, expected="scheme and rules", extra={"source": source}
    )
    policy = document.value
    problems = _semantic_problems(document.root, document.data, policy)
    if problems:
        raise GradingPolicyError(source, problems)
    return policy


def _semantic_problems(root: Any, data: dict[str, Any], policy: GradingPolicy) -> list[Problem]:
    """Grades outside the scheme and duplicate rule names."""
    allowed = ", ".join(policy.grades)
    problems: list[Problem] = []
    if policy.default_grade not in policy.grades:
        problems.append(
            Problem(
                node_line(root, ("default_grade",)),
                "default_grade",
                f"grade {policy.default_grade.value!r} is not in scheme {policy.scheme} ({allowed})",
            )
        )
    if policy.recurrence is not None and policy.recurrence.grade not in policy.grades:
        problems.append(
            Problem(
                node_line(root, ("recurrence", "grade")),
                "recurrence.grade",
                f"grade {policy.recurrence.grade.value!r} is not in scheme {policy.scheme} ({allowed})",
            )
        )
    if policy.submitters is not None:
        unlisted = [channel.value for channel in Channel if channel not in policy.submitters]
        if unlisted:
            problems.append(
                Problem(
                    node_line(root, ("submitters",)),
                    "submitters",
                    f"every channel needs an entry; missing: {', '.join(unlisted)}",
                )
            )
    seen: set[str] = set()
    for index, rule in enumerate(policy.rules):
        if rule.grade not in policy.grades:
            problems.append(
                Problem(
                    node_line(root, ("rules", index, "grade")),
                    f"rules[{index}].grade",
                    f"grade {rule.grade.value!r} is not in scheme {policy.scheme} ({allowed})",
                )
            )
        if rule.name in seen:
            problems.append(
                Problem(
                    node_line(root, ("rules", index, "name")),
                    f"rules[{index}].name",
                    f"duplicate rule name {rule.name!r}",
                )
            )
        seen.add(rule.name)
    return problems
