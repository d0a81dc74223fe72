"""Risk flags (舆情风险): flagged by the rules or by staff with a reason, kept in the state until a
supervisor or the PR owner clears them; a re-evaluation flags only what is new."""

from __future__ import annotations

import pytest

from shared.complaints.stages.risk import (
    MANUAL_RULE,
    ClearRiskFlag,
    ComplaintRiskFlagCleared,
    ComplaintRiskFlagged,
    FlagRisk,
    FlagRiskAutomatically,
    RiskSource,
)
from shared.complaints.state import ComplaintState, fold
from shared.complaints.values import Status
from shared.events import Actor
from tests.builders import (
    a_command,
    agent,
    apply,
    auditor,
    operator,
    path_to,
    pr_owner,
    rejection,
    run,
    service,
    supervisor,
)

pytestmark = pytest.mark.unit

INTAKE = service("intake")


def received() -> ComplaintState:
    return run(fold([]), *path_to(Status.RECEIVED))


def test_the_rules_that_fired_flag_it_and_stay_in_the_state() -> None:
    state, events = apply(received(), a_command(FlagRiskAutomatically, by=INTAKE, rules=["a", "b", "a"]))
    assert events == [ComplaintRiskFlagged(rules=["a", "b"], source=RiskSource.AUTO)]
    assert state.risk_flags == ("a", "b")


def test_a_re_evaluation_flags_only_new_rules_and_nothing_when_none_is_new() -> None:
    state = run(received(), a_command(FlagRiskAutomatically, by=INTAKE, rules=["a"]))
    state, events = apply(state, a_command(FlagRiskAutomatically, by=INTAKE, rules=["a", "grade"]))
    assert events == [ComplaintRiskFlagged(rules=["grade"], source=RiskSource.AUTO)]
    assert state.risk_flags == ("a", "grade")
    _, again = apply(state, a_command(FlagRiskAutomatically, by=INTAKE, rules=["grade"]))
    assert again == []  # a service's command already done appends nothing


@pytest.mark.parametrize("by", [agent(), supervisor()])
def test_staff_flag_by_hand_with_the_reason(by: Actor) -> None:
    state, events = apply(received(), a_command(FlagRisk, by=by, reason="记者来电询问"))
    assert events == [
        ComplaintRiskFlagged(rules=[MANUAL_RULE], source=RiskSource.MANUAL, reason="记者来电询问")
    ]
    assert state.risk_flags == (MANUAL_RULE,)
    _, twice = apply(state, a_command(FlagRisk, by=by, reason="again"))
    assert rejection(twice).reason_code == "already_recorded"


@pytest.mark.parametrize("by", [pr_owner(), operator(), auditor(), INTAKE])
def test_only_staff_flag_by_hand(by: Actor) -> None:
    _, events = apply(received(), a_command(FlagRisk, by=by, reason="x"))
    assert rejection(events).reason_code == "not_permitted"


def test_people_may_not_issue_the_rules_command() -> None:
    _, events = apply(received(), a_command(FlagRiskAutomatically, by=supervisor(), rules=["a"]))
    assert rejection(events).reason_code == "not_permitted"


@pytest.mark.parametrize("by", [supervisor(), pr_owner()])
def test_a_supervisor_or_the_pr_owner_clears_every_flag_with_the_reason(by: Actor) -> None:
    state = run(
        received(),
        a_command(FlagRiskAutomatically, by=INTAKE, rules=["a"]),
        a_command(FlagRisk, by=agent(), reason="r"),
    )
    state, events = apply(state, a_command(ClearRiskFlag, by=by, reason="已与投诉人和解"))
    assert events == [ComplaintRiskFlagCleared(rules=["a", MANUAL_RULE], reason="已与投诉人和解")]
    assert state.risk_flags == ()
    _, again = apply(state, a_command(FlagRiskAutomatically, by=INTAKE, rules=["a"]))
    assert again == [ComplaintRiskFlagged(rules=["a"], source=RiskSource.AUTO)]  # may be flagged anew


def test_an_agent_may_not_clear_and_nothing_flagged_is_not_cleared() -> None:
    flagged = run(received(), a_command(FlagRisk, by=agent(), reason="r"))
    assert rejection(apply(flagged, a_command(ClearRiskFlag, by=agent(), reason="x"))[1]).reason_code == (
        "not_permitted"
    )
    assert rejection(
        apply(received(), a_command(ClearRiskFlag, by=supervisor(), reason="x"))[1]
    ).reason_code == ("not_flagged")


def test_a_final_complaint_is_not_flagged() -> None:
    closed = run(fold([]), *path_to(Status.CLOSED))
    assert rejection(apply(closed, a_command(FlagRisk, by=supervisor(), reason="r"))[1]).reason_code == (
        "already_closed"
    )
