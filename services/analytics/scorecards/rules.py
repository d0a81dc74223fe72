"""Department scorecards (部门考核): pure rules, configured in YAML validated at start-up.

Each quality incident of the month costs its department ``deductions[kind]`` points, and each
link of the responsibility chain the same points times its ``chain_shares`` entry: the
responsible person (the agent who handled the complaint), the department head, the direct
superior and the next superior (named per department under ``chains``). A department's score is
``full_marks`` minus its deductions (never below 0); its rating is the first of ``ratings``
(highest first) whose ``min`` the score reaches, unless a ``disqualify`` condition holds: then
it is the lowest rating whatever the score. Formulas and defaults: docs/kpis.md.

Staff scorecards (员工考核) use the same incidents and chain: a person's points are the sum of
what every link they stand in costs them (``staff.deductions`` per incident kind, times the
link's share), rated with ``staff.ratings`` and ``staff.disqualify`` (both default to the
department's); the department scorecard's chain shows the same points per department.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
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

    department_head: str | None = Field(
        None, description="The subject of the department's head: a department_head token of it."
    )
    direct_superior: str | None = Field(None, description="The head's direct superior.")
    next_superior: str | None = Field(None, description="The superior above that one.")


def _ratings_problems(ratings: list[Rating], where: str) -> list[str]:
    problems = []
    minimums = [rating.min for rating in ratings]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        problems.append(f"{where} must be listed highest min first, each min different")
    if minimums and minimums[-1] != 0:
        problems.append(f"the last of {where} must have min 0 (every score gets a rating)")
    if len({rating.code for rating in ratings}) != len(ratings):
        problems.append(f"{where} codes must be unique")
    return problems


class StaffRules(BaseModel):
    """How a named person is scored; what is left out is taken from the department rules."""

    model_config = ConfigDict(extra="forbid")

    deductions: dict[Incident, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Points one incident costs the person responsible at the time (the handler); "
        "each link above bears them times its chain share. Missing kinds: the department's points.",
    )
    ratings: list[Rating] = Field(default_factory=list, description="Ratings, highest min first.")
    disqualify: list[Disqualifier] = Field(
        default_factory=list,
        description="Conditions that fail a person outright, counted among the incidents they handled.",
    )


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
    staff: StaffRules = Field(default_factory=StaffRules, description="Staff scorecards.")

    @model_validator(mode="after")
    def _consistent(self) -> ScorecardRules:
        problems = []
        missing = [kind.value for kind in Incident if kind not in self.deductions]
        if missing:
            problems.append(f"deductions must name every incident kind; missing {missing}")
        missing_links = [link.value for link in Link if link not in self.chain_shares]
        if missing_links:
            problems.append(f"chain_shares must name every link; missing {missing_links}")
        problems += _ratings_problems(self.ratings, "ratings")
        problems += _ratings_problems(self.staff.ratings, "staff.ratings")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def rating_for(self, score: float, disqualified: bool) -> Rating:
        if disqualified:
            return self.ratings[-1]
        return next(rating for rating in self.ratings if score >= rating.min)

    @property
    def staff_ratings(self) -> list[Rating]:
        return self.staff.ratings or self.ratings

    @property
    def staff_disqualify(self) -> list[Disqualifier]:
        return self.staff.disqualify or self.disqualify

    def staff_rating_for(self, score: float, disqualified: bool) -> Rating:
        ratings = self.staff_ratings
        if disqualified:
            return ratings[-1]
        return next(rating for rating in ratings if score >= rating.min)

    def person_points(self, kind: Incident, link: Link) -> float:
        """What one incident of ``kind`` costs the person standing in ``link`` of its chain."""
        base = self.staff.deductions.get(kind, self.deductions[kind])
        return base * self.chain_shares[link]

    def chain_of(self, department: str | None) -> dict[Link, str | None]:
        """Who stands in each link above the handler for ``department`` (None: nobody named)."""
        chain = self.chains.get(department or "", Chain())
        return {
            Link.DEPARTMENT_HEAD: chain.department_head,
            Link.DIRECT_SUPERIOR: chain.direct_superior,
            Link.NEXT_SUPERIOR: chain.next_superior,
        }


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
    at: datetime | None = None
    """When it happened (None for a failed inspection: it belongs to its week)."""


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
    people: dict[tuple[Link, str | None], PersonScore] = {}
    for record in records:
        for link, who in {Link.RESPONSIBLE: record.agent, **rules.chain_of(department)}.items():
            entry = people.setdefault((link, who), PersonScore(link, who))
            entry.deducted += rules.person_points(record.kind, link)
            entry.incidents += 1
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
