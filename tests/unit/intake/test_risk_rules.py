"""Intake's risk rules: data validated with file:line, each rule fires when all its conditions
hold; a regrade evaluates them again with the state's facts; every flag reaches the PR owner."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.intake.handlers import RiskOnRegrade, RiskWatch
from services.intake.risk import RiskFacts, RiskRulesError, load_risk_rules, parse_risk_rules
from shared.clock import FakeClock
from shared.complaints import ComplaintRegraded, Grade, fold
from shared.complaints.stages.risk import ComplaintRiskFlagged, FlagRiskAutomatically, RiskSource
from shared.complaints.values import Channel
from tests.builders import T0, as_recorded_event, received
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

RULES = parse_risk_rules(
    "rules:\n"
    "  - name: media\n    match: {keywords: [记者, Journalist]}\n"
    "  - name: referral\n    match: {channel: referral}\n"
    "  - name: urgent\n    match: {grade: [urgent, severe]}\n"
    "  - name: repeated\n    match: {min_repeats: 3}\n"
    "  - name: urgent-media\n    match: {grade: urgent, keywords: 曝光}\n"
)


def problems(text: str) -> str:
    with pytest.raises(RiskRulesError) as caught:
        parse_risk_rules(text, "risk.yaml")
    return str(caught.value)


def test_the_packaged_rules_are_valid() -> None:
    names = [rule.name for rule in load_risk_rules().rules]
    assert "regulator-referral" in names and len(names) == len(set(names))


def test_each_kind_of_condition_fires_in_both_languages() -> None:
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.GENERAL, "已联系记者", 1)) == ["media"]
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.GENERAL, "a JOURNALIST called", 1)) == ["media"]
    assert RULES.fired(RiskFacts(Channel.REFERRAL, Grade.GENERAL, "", 1)) == ["referral"]
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.URGENT, "", 1)) == ["urgent"]
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.GENERAL, "", 3)) == ["repeated"]
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.GENERAL, "", 2)) == []


def test_every_condition_of_a_rule_must_hold() -> None:
    assert "urgent-media" not in RULES.fired(RiskFacts(Channel.HOTLINE, Grade.GENERAL, "要曝光", 1))
    assert "urgent-media" in RULES.fired(RiskFacts(Channel.HOTLINE, Grade.URGENT, "要曝光", 1))


def test_facts_not_known_hold_no_condition() -> None:
    assert RULES.fired(RiskFacts(Channel.HOTLINE, Grade.URGENT)) == ["urgent"]


def test_unknown_keys_channels_and_grades_name_their_lines() -> None:
    message = problems(
        "rules:\n  - name: a\n    match: {channel: fax}\n  - name: b\n    match: {grade: huge}\n"
        "  - name: c\n    match: {keywords: [x]}\n    colour: red\n"
    )
    assert "risk.yaml:3: rules[0].match.channel" in message
    assert "risk.yaml:5: rules[1].match.grade" in message
    assert "risk.yaml:8: rules[2].colour" in message


def test_a_rule_without_conditions_and_a_duplicate_name_are_refused() -> None:
    assert "at least one of" in problems("rules:\n  - name: a\n    match: {}\n")
    message = problems(
        "rules:\n  - name: a\n    match: {min_repeats: 2}\n  - name: a\n    match: {min_repeats: 3}\n"
    )
    assert "risk.yaml:4: rules[1].name: duplicate rule name 'a'" in message


def test_invalid_yaml_names_the_line() -> None:
    assert "risk.yaml:3: not valid YAML" in problems("rules:\n  - name: [\n")


async def test_a_regrade_flags_the_rules_that_fire_now_and_not_those_flagged_before() -> None:
    state = fold(
        [
            received(channel=Channel.REFERRAL),
            ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="r"),
        ]
    )
    react = RiskOnRegrade(RULES, FakeClock(T0)).react
    event = as_recorded_event(ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="r"))
    command = await react(event, state)
    assert isinstance(command, FlagRiskAutomatically) and command.rules == ["referral", "urgent"]
    flagged = fold([ComplaintRiskFlagged(rules=["referral", "urgent"], source=RiskSource.AUTO)], state)
    assert await react(event, flagged) is None


class Told:
    def __init__(self) -> None:
        self.told: list[tuple[str, list[str], str]] = []

    async def notify_pr_owner(self, complaint_no: str, rules: Sequence[str], source: str) -> None:
        self.told.append((complaint_no, list(rules), source))


async def test_every_flag_reaches_the_pr_owner() -> None:
    told = Told()
    watch = RiskWatch(RULES, told, FakeClock(T0))
    events = [
        as_recorded_event(ComplaintRiskFlagged(rules=["media"], source=RiskSource.AUTO), stream_id="TS-1"),
        as_recorded_event(
            ComplaintRiskFlagged(rules=["manual"], source=RiskSource.MANUAL, reason="r"), stream_id="TS-2"
        ),
    ]
    await watch.handle(events, FakeUnitOfWork())
    assert told.told == [("TS-1", ["media"], "auto"), ("TS-2", ["manual"], "manual")]
