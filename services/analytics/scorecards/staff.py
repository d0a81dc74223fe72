"""Staff scorecards (员工考核): each named person's deductions along the responsibility chain.

Every incident charges the person responsible at the time (the handler, ``Link.RESPONSIBLE``)
and the people the department's chain names above them; a person's points are the sum over
every link they stood in, the month's score ``full_marks`` minus them (never below 0), rated
with the staff ratings. A staff disqualifying condition counts only the incidents the person
handled themselves: a head is not disqualified by the count of their team's incidents.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.analytics.scorecards.rules import (
    Disqualifier,
    Incident,
    IncidentRecord,
    Link,
    Rating,
    ScorecardRules,
)


@dataclass(frozen=True)
class Charge:
    """One deduction from one person: the incident behind it and the link they stood in."""

    person: str
    link: Link
    incident: IncidentRecord
    points: float


@dataclass
class StaffScore:
    person: str
    score: float
    deducted: float
    rating: Rating
    disqualified_by: list[Disqualifier]
    handled: dict[Incident, int]
    """Incidents of each kind the person was the handler of."""
    charges: list[Charge] = field(default_factory=list)

    @property
    def departments(self) -> list[str]:
        return sorted({c.incident.department for c in self.charges if c.incident.department})


def staff_charges(rules: ScorecardRules, incidents: Iterable[IncidentRecord]) -> list[Charge]:
    """What each incident costs whom: the handler (when known) and each named link above."""
    charges = []
    for record in incidents:
        links = {Link.RESPONSIBLE: record.agent, **rules.chain_of(record.department)}
        for link, person in links.items():
            if person:
                charges.append(Charge(person, link, record, round(rules.person_points(record.kind, link), 4)))
    return charges


def score_staff(
    rules: ScorecardRules, incidents: Iterable[IncidentRecord], people: Iterable[str] = ()
) -> list[StaffScore]:
    """Every person charged in the month (and every one in ``people``, at full marks when not
    charged), lowest score first."""
    by_person: dict[str, list[Charge]] = defaultdict(list)
    for person in people:
        by_person.setdefault(person, [])
    for charge in staff_charges(rules, incidents):
        by_person[charge.person].append(charge)
    cards = [_score(rules, person, charges) for person, charges in by_person.items()]
    return sorted(cards, key=lambda c: (c.score, c.person))


def _score(rules: ScorecardRules, person: str, charges: list[Charge]) -> StaffScore:
    deducted = round(sum(c.points for c in charges), 4)
    score = round(max(0.0, rules.full_marks - deducted), 4)
    handled = Counter(c.incident.kind for c in charges if c.link is Link.RESPONSIBLE)
    disqualified_by = [d for d in rules.staff_disqualify if handled.get(d.incident, 0) >= d.at_least]
    order = list(Link)
    return StaffScore(
        person=person,
        score=score,
        deducted=deducted,
        rating=rules.staff_rating_for(score, bool(disqualified_by)),
        disqualified_by=disqualified_by,
        handled={kind: handled.get(kind, 0) for kind in Incident},
        charges=sorted(
            charges,
            key=lambda c: (
                c.incident.at is None,
                c.incident.at,
                c.incident.complaint_no,
                order.index(c.link),
            ),
        ),
    )
