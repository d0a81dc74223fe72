"""Staff scorecards: a person's deductions along the responsibility chain, their rating, the
staff rules validated with the rest of the file, and who may see whose scorecard."""

from __future__ import annotations

import pytest

from services.analytics.scorecards.rules import (
    Incident,
    IncidentRecord,
    Link,
    ScorecardError,
    load_scorecard,
    parse_scorecard,
    score_departments,
)
from services.analytics.scorecards.staff import score_staff
from services.analytics.scorecards.staff_api import heads_above, may_see, unheaded_chains
from shared.events import Role
from shared.service.auth import Principal, TokenEntry, TokenRegistry

pytestmark = pytest.mark.unit

RULES = load_scorecard()


def record(
    kind: Incident, agent: str | None, department: str = "quality", no: str = "TS-1"
) -> IncidentRecord:
    return IncidentRecord(kind, no, department, agent)


def by_person(records: list[IncidentRecord], people: tuple[str, ...] = ()) -> dict[str, object]:
    return {card.person: card for card in score_staff(RULES, records, people)}


def test_the_handler_and_each_named_head_are_charged_their_share() -> None:
    cards = by_person(
        [record(Incident.REOPEN, "agent-wang"), record(Incident.BREACH, "agent-wang", no="TS-2")]
    )
    wang, head, director, coo = (cards[p] for p in ("agent-wang", "head-quality", "quality-director", "coo"))
    assert wang.deducted == 5 and wang.score == 95 and wang.rating.code == "excellent"  # type: ignore[attr-defined]
    assert head.deducted == 2.5 and director.deducted == pytest.approx(1.5)  # type: ignore[attr-defined]
    assert coo.deducted == pytest.approx(0.5)  # type: ignore[attr-defined]
    assert [c.link for c in head.charges] == [Link.DEPARTMENT_HEAD] * 2  # type: ignore[attr-defined]
    assert wang.handled[Incident.REOPEN] == 1 and head.handled[Incident.REOPEN] == 0  # type: ignore[attr-defined]


def test_a_person_sums_every_department_and_link_and_matches_the_department_chain() -> None:
    records = [
        record(Incident.DISSATISFIED, "ops-director", department="logistics"),  # handled it themselves
        record(Incident.BREACH, "agent-li", department="after_sales"),
    ]
    cards = by_person(records)
    ops = cards["ops-director"]
    assert sorted((c.link, c.points) for c in ops.charges) == [  # type: ignore[attr-defined]
        (Link.DIRECT_SUPERIOR, 0.6),
        (Link.DIRECT_SUPERIOR, 0.6),
        (Link.RESPONSIBLE, 2.0),
    ]
    chain = {(p.link, p.person): p.deducted for d in score_departments(RULES, records) for p in d.people}
    assert chain[(Link.DIRECT_SUPERIOR, "ops-director")] == pytest.approx(0.6)


def test_people_without_incidents_have_full_marks_and_the_worst_comes_first() -> None:
    cards = score_staff(RULES, [record(Incident.BREACH, "agent-wang")], ["agent-zhao"])
    assert cards[0].person == "agent-wang"
    zhao = next(c for c in cards if c.person == "agent-zhao")
    assert (zhao.score, zhao.rating.code, zhao.charges) == (100, "excellent", [])


def test_a_disqualifying_condition_counts_only_what_the_person_handled() -> None:
    failed = [record(Incident.FAILED_INSPECTION, "agent-wang", no=f"TS-{i}") for i in range(2)]
    cards = by_person([*failed, record(Incident.FAILED_INSPECTION, "agent-li", no="TS-9")])
    assert cards["agent-wang"].rating.code == "fail"  # type: ignore[attr-defined]
    assert cards["agent-wang"].score == 90  # type: ignore[attr-defined]
    assert cards["head-quality"].rating.code == "excellent"  # type: ignore[attr-defined]  # 3 × 2.5 as head


def test_an_unknown_handler_charges_only_the_heads() -> None:
    cards = by_person([record(Incident.BREACH, None)])
    assert set(cards) == {"head-quality", "quality-director", "coo"}


def test_staff_rules_are_validated_with_the_file() -> None:
    original = load_text()
    text = original.replace("    failed_inspection: 5\n  ratings:", "    fire: 5\n  ratings:")
    with pytest.raises(ScorecardError, match="fire"):
        parse_scorecard(text, "scorecard.yaml")
    swapped = original.replace(
        "  ratings:\n    - {code: excellent, min: 90", "  ratings:\n    - {code: excellent, min: 10"
    )
    with pytest.raises(ScorecardError, match=r"staff\.ratings must be listed highest min first"):
        parse_scorecard(swapped, "scorecard.yaml")


def load_text() -> str:
    from services.analytics.scorecards.rules import default_scorecard_file

    return default_scorecard_file().read_text(encoding="utf-8")


def principal(subject: str, role: Role = Role.AGENT, department: str | None = "quality") -> Principal:
    scoped = role in (Role.AGENT, Role.DEPARTMENT_HEAD)
    return Principal(subject=subject, role=role, department=department if scoped else None)


def head(department: str = "quality") -> Principal:
    return principal(f"head-{department}", Role.DEPARTMENT_HEAD, department)


def test_heads_are_the_links_above_the_person_in_the_chain() -> None:
    assert heads_above(RULES, "agent-wang", "quality") == {"head-quality", "quality-director", "coo"}
    assert heads_above(RULES, "head-quality", "quality") == {"quality-director", "coo"}
    assert heads_above(RULES, "coo", "quality") == set()
    assert heads_above(RULES, "agent-wang", "hr") == set()


@pytest.mark.parametrize(
    ("viewer", "person", "sees"),
    [
        (principal("agent-wang"), "agent-wang", True),
        (principal("agent-li"), "agent-wang", False),  # a colleague
        (head(), "agent-wang", True),  # their department head
        (head(), "head-quality", True),  # themself
        (head("after_sales"), "agent-wang", False),  # another department's head
        (head(), "quality-director", False),  # not upwards
        (head(), "coo", False),
        (principal("head-quality"), "agent-wang", False),  # named head, but an agent token: nothing
        (principal("quality-director", department="quality"), "head-quality", True),
        (principal("quality-director", department="quality"), "agent-wang", True),
        (principal("supervisor", Role.SUPERVISOR), "agent-wang", True),
        (principal("operator", Role.OPERATOR), "head-quality", True),
        (principal("auditor", Role.AUDITOR), "agent-wang", False),
        (principal("director", Role.DIRECTOR), "agent-wang", False),
    ],
)
def test_who_sees_whose_scorecard(viewer: Principal, person: str, sees: bool) -> None:
    cards = by_person([record(Incident.BREACH, "agent-wang")], ("agent-wang",))
    on_file = [principal(person)] if person.startswith("agent") else []
    assert may_see(viewer, cards[person], RULES, on_file) is sees  # type: ignore[arg-type]


def test_a_head_sees_their_handlers_even_at_full_marks() -> None:
    [card] = score_staff(RULES, [], ["agent-zhao"])
    assert may_see(head(), card, RULES, [principal("agent-zhao")])
    assert not may_see(head("logistics"), card, RULES, [principal("agent-zhao")])


def test_a_head_sees_whoever_handled_a_complaint_of_their_department() -> None:
    cards = by_person([record(Incident.BREACH, "agent-sun", department="hr")])
    assert may_see(head("hr"), cards["agent-sun"], RULES, [])  # type: ignore[arg-type]
    assert not may_see(head(), cards["agent-sun"], RULES, [])  # type: ignore[arg-type]


def test_a_chain_head_without_a_department_head_token_is_reported() -> None:
    heads = [
        TokenEntry(
            token=f"token-of-head-{d}-0123456789",
            subject=f"head-{d}",
            role=Role.DEPARTMENT_HEAD,
            department=d,
        )
        for d in ("quality", "after_sales", "logistics")
    ]
    wrong = TokenEntry(
        token="token-of-cs-head-0123456789",
        subject="head-customer_service",
        role=Role.AGENT,
        department="customer_service",
    )
    assert unheaded_chains(RULES, TokenRegistry([*heads, wrong])) == ["customer_service"]
    right = TokenEntry(
        token="token-of-cs-head-0123456789",
        subject="head-customer_service",
        role=Role.DEPARTMENT_HEAD,
        department="customer_service",
    )
    assert unheaded_chains(RULES, TokenRegistry([*heads, right])) == []
