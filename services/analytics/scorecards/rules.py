"""Department scorecards (部门考核): pure rules, configured in YAML validated at start-up.

Each quality incident of the month costs its department ``deductions[kind]`` points, and each
link of the responsibility chain the same points times its ``chain_shares`` entry: the
responsible person (the agent who handled the complaint), the department head, the direct
superior and the next superior (named per department under ``chains``). A department's score is
``full_marks`` minus its deductions (never below 0); its rating is the first of ``ratings``
(highest first) whose ``min`` the score reaches, unless a ``disqualify`` condition holds: then
it is the lowest rating whatever the score. Formulas and defaults: docs/kpis.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.complaints.values import Name
from shared.policyfile import PolicyFileError, read_policy_text, validated


class Incident(StrEnum):
    BREACH = "breach"
    REOPEN = "reopen"
    DISSATISFIED = "dissatisfied"
    FAILED_INSPECTION = "failed_inspection"


class Link(StrEnum):
    """The links of the responsibility chain, nearest first."""

    RESPONSIBLE = "responsible"
    DEPARTMENT_HEAD = "department_head"
    DIRECT_SUPERIOR = "direct_superior"
    NEXT_SUPERIOR = "next_superior"


class ScorecardError(PolicyFileError):
    """The scorecard file is unusable; the analytics service refuses to start."""

    what = "scorecard rules"


class Rating(Name):
    """A rating and the lowest score that earns it; its name in both languages beside them."""

    code: str = Field(min_length=1, description="Rating code, e.g. excellent.")
    min: float = Field(ge=0, description="Lowest score that earns this rating.")


class Disqualifier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident: Incident = Field(description="Which incidents are counted.")
    at_least: int = Field(ge=1, description="This many in the month disqualify the department.")


class Chain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_head: str | None = Field(None, description="The department head's user id.")
    direct_superior: str | None = Field(None, description="The head's direct superior.")
    next_superior: str | None = Field(None, description="The superior above that one.")


class ScorecardRules(BaseModel):
    """The validated scorecard file."""

    model_config = ConfigDict(extra="forbid")

    full_marks: float = Field(100, gt=0, description="Points every department starts the month with.")
    deductions: dict[Incident, Annotated[float, Field(ge=0)]] = Field(
        description="Points one incident costs."
    )
    chain_shares: dict[Link, Annotated[float, Field(ge=0, le=1)]] = Field(
        description="Share of the points each link bears, 0–1."
    )
    pass_mark: int = Field(60, ge=0, le=100, description="Inspection totals below it fail.")
    ratings: list[Rating] = Field(min_length=1, description="Ratings, highest min first.")
    disqualify: list[Disqualifier] = Field(default_factory=list, description="Conditions that fail outright.")
    chains: dict[str, Chain] = Field(default_factory=dict, description="Named links per department.")

    @model_validator(mode="after")
    def _consistent(self) -> ScorecardRules:
        problems = []
        missing = [kind.value for kind in Incident if kind not in self.deductions]
        if missing:
            problems.append(f"deductions must name every incident kind; missing {missing}")
        missing_links = [link.value for link in Link if link not in self.chain_shares]
        if missing_links:
            problems.append(f"chain_shares must name every link; missing {missing_links}")
        minimums = [rating.min for rating in self.ratings]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            problems.append("ratings must be listed highest min first, each min different")
        if minimums[-1] != 0:
            problems.append("the last rating must have min 0 (every score gets a rating)")
        if len({rating.code for rating in self.ratings}) != len(self.ratings):
            problems.append("rating codes must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def rating_for(self, score: float, disqualified: bool) -> Rating:
        if disqualified:
            return self.ratings[-1]
        return next(rating for rating in self.ratings if score >= rating.min)


def default_scorecard_file() -> Path:
    return Path(str(resources.files("services.analytics.scorecards").joinpath("scorecard.yaml")))


def load_scorecard(path: Path | None = None) -> ScorecardRules:
    """Read and validate the scorecard file (default: the packaged scorecard.yaml)."""
    path = path or default_scorecard_file()
    text = read_policy_text(path, ScorecardError)
    return parse_scorecard(text, str(path))


def parse_scorecard(text: str, source: str = "<scorecard>") -> ScorecardRules:
    expected = "deductions, ratings, ..."
    return validated(ScorecardRules, text, source, ScorecardError, expected=expected).value


@dataclass(frozen=True)
class IncidentRecord:
    """One quality incident of the month, attributed to a department and the agent who handled it."""

    kind: Incident
    complaint_no: str
    department: str | None
    agent: str | None


@dataclass
class PersonScore:
    link: Link
    person: str | None
    """Null: the chain names nobody for this link."""
    deducted: float = 0.0
    incidents: int = 0


@dataclass
class DepartmentScore:
    department: str | None
    score: float
    deducted: float
    rating: Rating
    disqualified_by: list[Disqualifier]
    incidents: dict[Incident, int]
    people: list[PersonScore] = field(default_factory=list)


def score_departments(
    rules: ScorecardRules, incidents: Iterable[IncidentRecord], departments: Iterable[str | None] = ()
) -> list[DepartmentScore]:
    """Every department with incidents (and every one in ``departments``), worst score first."""
    by_department: dict[str | None, list[IncidentRecord]] = defaultdict(list)
    for department in departments:
        by_department.setdefault(department, [])
    for incident in incidents:
        by_department[incident.department].append(incident)
    result = [_score(rules, department, records) for department, records in by_department.items()]
    return sorted(result, key=lambda d: (d.score, d.department is None, d.department or ""))


def _score(rules: ScorecardRules, department: str | None, records: list[IncidentRecord]) -> DepartmentScore:
    counts = Counter(record.kind for record in records)
    deducted = sum(rules.deductions[kind] * n for kind, n in counts.items())
    score = max(0.0, rules.full_marks - deducted)
    disqualified_by = [d for d in rules.disqualify if counts.get(d.incident, 0) >= d.at_least]
    chain = rules.chains.get(department or "", Chain())
    people: dict[tuple[Link, str | None], PersonScore] = {}

    def charge(link: Link, person: str | None, points: float) -> None:
        entry = people.setdefault((link, person), PersonScore(link, person))
        entry.deducted += points * rules.chain_shares[link]
        entry.incidents += 1

    for record in records:
        points = rules.deductions[record.kind]
        charge(Link.RESPONSIBLE, record.agent, points)
        charge(Link.DEPARTMENT_HEAD, chain.department_head, points)
        charge(Link.DIRECT_SUPERIOR, chain.direct_superior, points)
        charge(Link.NEXT_SUPERIOR, chain.next_superior, points)
    order = list(Link)
    ranked = sorted(people.values(), key=lambda p: (order.index(p.link), -p.deducted, p.person or ""))
    for person in ranked:
        person.deducted = round(person.deducted, 4)
    return DepartmentScore(
        department=department,
        score=round(score, 4),
        deducted=round(deducted, 4),
        rating=rules.rating_for(score, bool(disqualified_by)),
        disqualified_by=disqualified_by,
        incidents={kind: counts.get(kind, 0) for kind in Incident},
        people=ranked,
    )
