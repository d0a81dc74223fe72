"""Department scorecards: deductions along the responsibility chain, ratings, disqualification,
and the YAML rules validated with file:line problems."""

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

pytestmark = pytest.mark.unit

RULES = load_scorecard()


def incidents(department: str, kind: Incident, n: int, agent: str = "agent-1") -> list[IncidentRecord]:
    return [IncidentRecord(kind, f"TS-{department}-{kind}-{i}", department, agent) for i in range(n)]


def test_the_packaged_rules_are_valid_and_have_the_default_thresholds() -> None:
    assert [(r.code, r.min) for r in RULES.ratings] == [
        ("excellent", 90),
        ("good", 80),
        ("pass", 70),
        ("fail", 0),
    ]
    assert RULES.full_marks == 100 and RULES.pass_mark == 60


def test_points_are_deducted_from_the_department_and_along_the_chain() -> None:
    records = incidents("quality", Incident.BREACH, 2) + incidents(
        "quality", Incident.REOPEN, 1, agent="agent-2"
    )
    [card] = score_departments(RULES, records)
    assert card.department == "quality"
    assert card.deducted == 2 * 2 + 3 and card.score == 93 and card.rating.code == "excellent"
    people = {(p.link, p.person): p.deducted for p in card.people}
    assert people[(Link.RESPONSIBLE, "agent-1")] == 4
    assert people[(Link.RESPONSIBLE, "agent-2")] == 3
    assert people[(Link.DEPARTMENT_HEAD, "head-quality")] == 3.5
    assert people[(Link.DIRECT_SUPERIOR, "quality-director")] == pytest.approx(2.1)
    assert people[(Link.NEXT_SUPERIOR, "coo")] == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("breaches", "rating"), [(0, "excellent"), (5, "excellent"), (6, "good"), (9, "good")]
)
def test_ratings_follow_the_thresholds(breaches: int, rating: str) -> None:
    [card] = score_departments(RULES, incidents("logistics", Incident.BREACH, breaches), ["logistics"])
    assert card.rating.code == rating


def test_a_disqualifying_condition_fails_the_department_whatever_its_score() -> None:
    [card] = score_departments(RULES, incidents("logistics", Incident.FAILED_INSPECTION, 3))
    assert card.score == 85
    assert card.rating.code == "fail"
    assert [d.incident for d in card.disqualified_by] == [Incident.FAILED_INSPECTION]


def test_worst_department_first_and_scores_never_below_zero() -> None:
    cards = score_departments(
        RULES, incidents("quality", Incident.REOPEN, 40) + incidents("hr", Incident.BREACH, 1)
    )
    assert [c.department for c in cards] == ["quality", "hr"]
    assert cards[0].score == 0


def test_invalid_rules_are_refused_with_the_line() -> None:
    text = """full_marks: 100
deductions: {breach: 2, reopen: 3, dissatisfied: 2, failed_inspection: -1}
chain_shares: {responsible: 1.0, department_head: 1.5, direct_superior: 0.3, next_superior: 0.1}
ratings:
  - {code: good, min: 80, zh-CN: 良好, en: Good}
  - {code: excellent, min: 90, zh-CN: 优秀, en: Excellent}
disqualify:
  - {incident: fire, at_least: 1}
"""
    with pytest.raises(ScorecardError) as raised:
        parse_scorecard(text, "scorecard.yaml")
    message = str(raised.value)
    assert "scorecard.yaml:8" in message and "fire" in message
    assert "scorecard.yaml:2: deductions.failed_inspection" in message
    assert "scorecard.yaml:3: chain_shares.department_head" in message
    fixed = text.replace("fire", "breach").replace("-1}", "5}").replace("1.5", "0.5")
    with pytest.raises(ScorecardError, match=r"highest min first.*min 0"):
        parse_scorecard(fixed, "scorecard.yaml")
    with pytest.raises(ScorecardError, match="not valid YAML"):
        parse_scorecard("deductions: [", "scorecard.yaml")
