"""8D for severe complaints: a severe complaint opens a case with the fact that made it severe,
disciplines D1..D8 are recorded by the department, quality engineers and supervisors, and the
complaint closes only after D8 and the complainant's confirmation, whichever comes last."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.complaints.errors import RejectionCode
from shared.complaints.stages.closure import ComplaintClosed
from shared.complaints.stages.eight_d import (
    EightDCaseClosed,
    EightDCaseOpened,
    EightDDisciplineRecorded,
    TeamMember,
    confirmation,
)
from shared.complaints.stages.grading import ComplaintRegraded, RegradeComplaint
from shared.complaints.stages.receipt import Assessment
from shared.complaints.state import ComplaintState
from shared.complaints.values import CloseReason, Discipline, EightDTrigger, Grade, Status, TeamRole
from tests.builders import (
    DEPT,
    OTHER_DEPT,
    a_command,
    accept,
    agent,
    apply,
    assign,
    at,
    auditor,
    close_unresolvable,
    feedback,
    progress,
    receive,
    rejection,
    reopen,
    resolve,
    run,
    supervisor,
)
from tests.support.eight_d import an_attachment, open_case, quality_engineer, record, through

pytestmark = pytest.mark.unit


def a_severe_complaint(*, resolved: bool = False) -> ComplaintState:
    owner = agent()
    commands = [receive(grade=Grade.SEVERE), assign(), accept(by=owner)]
    if resolved:
        commands += [progress(by=owner), resolve(by=owner)]
    return run(ComplaintState.initial(), *commands)


def test_a_complaint_received_severe_opens_a_case_in_the_same_decision() -> None:
    state, events = apply(ComplaintState.initial(), receive(grade=Grade.SEVERE))

    assert events[1:] == [EightDCaseOpened(case=1, cause=EightDTrigger.SEVERE_GRADE, grade=Grade.SEVERE)]
    assert state.eight_d is not None and state.eight_d.open and state.eight_d.opened_at == at()


def test_the_recurrence_rule_is_named_as_the_trigger() -> None:
    assessment = Assessment(scheme="manufacturing", grade_rule="recurrence", recurrence=True)
    events = apply(ComplaintState.initial(), receive(grade=Grade.SEVERE, assessment=assessment))[1]

    assert isinstance(events[1], EightDCaseOpened) and events[1].cause is EightDTrigger.RECURRENCE


def test_a_batch_complaint_opens_none() -> None:
    assert apply(ComplaintState.initial(), receive(grade=Grade.BATCH))[0].eight_d is None


def test_a_regrade_to_severe_opens_one_with_the_department() -> None:
    state = run(ComplaintState.initial(), receive(grade=Grade.BATCH), assign(), accept())
    command = a_command(RegradeComplaint, by=agent(), grade=Grade.SEVERE, reason="批量失效")

    state, events = apply(state, command)

    assert isinstance(events[0], ComplaintRegraded)
    assert events[1] == EightDCaseOpened(
        case=1, cause=EightDTrigger.REGRADE, grade=Grade.SEVERE, department=DEPT
    )


def test_regraded_back_and_forth_it_never_has_two_cases() -> None:
    state = a_severe_complaint()
    down = a_command(RegradeComplaint, by=supervisor(), grade=Grade.BATCH, reason="误判")
    up = a_command(RegradeComplaint, by=supervisor(), grade=Grade.SEVERE, reason="确认严重")

    events = apply(run(state, down), up)[1]

    assert [type(e) for e in events] == [ComplaintRegraded]


def test_a_quality_engineer_opens_one_by_hand_but_not_a_second() -> None:
    state = run(ComplaintState.initial(), receive(grade=Grade.GENERAL), assign())
    state, events = apply(state, open_case())

    assert events == [
        EightDCaseOpened(
            case=1,
            cause=EightDTrigger.MANUAL,
            grade=Grade.GENERAL,
            department=DEPT,
            reason="同一批次多次投诉",
        )
    ]
    assert rejection(apply(state, open_case())[1]).reason_code == RejectionCode.EIGHT_D_OPEN


def test_an_agent_does_not_open_one_by_hand() -> None:
    state = run(ComplaintState.initial(), receive(), assign())
    assert rejection(apply(state, open_case(by=agent()))[1]).reason_code == RejectionCode.NOT_PERMITTED


def test_a_discipline_is_recorded_with_its_attachments_metadata() -> None:
    state, events = apply(a_severe_complaint(), record("D2", attachments=[an_attachment()]))

    assert events == [
        EightDDisciplineRecorded(
            case=1, discipline=Discipline.D2, content="D2：已完成（记录）", attachments=[an_attachment()]
        )
    ]
    assert state.eight_d is not None and state.eight_d.recorded == {Discipline.D2}


def test_recorded_again_the_latest_counts_and_says_so() -> None:
    state = run(a_severe_complaint(), record("D3"))

    event = apply(state, record("D3", content="扩大围堵范围", by=quality_engineer()))[1][0]

    assert isinstance(event, EightDDisciplineRecorded) and event.again


def test_d1_needs_a_quality_engineer_in_the_team() -> None:
    team = [TeamMember(name="王工", role=TeamRole.LEADER)]
    refused = rejection(apply(a_severe_complaint(), record("D1", team=team))[1])

    assert refused.reason_code == RejectionCode.EIGHT_D_NO_QUALITY_ENGINEER
    assert "质量工程师" in refused.reason_zh


def test_only_d1_names_a_team() -> None:
    with pytest.raises(ValidationError):
        record("D2", team=[TeamMember(name="孙", role=TeamRole.QUALITY_ENGINEER)])
    with pytest.raises(ValidationError):
        record("D1", team=[])


def test_d8_waits_for_d1_to_d7_and_names_what_is_missing() -> None:
    state = run(a_severe_complaint(), *through("D5"))

    refused = rejection(apply(state, record("D8"))[1])

    assert refused.reason_code == RejectionCode.EIGHT_D_INCOMPLETE
    assert "D6" in refused.reason and "D7" in refused.reason and "D7 预防再发生" in refused.reason_zh


def test_d8_closes_the_case_and_nothing_more_is_recorded() -> None:
    state, events = apply(run(a_severe_complaint(), *through("D7")), record("D8"))

    assert [type(e) for e in events] == [EightDDisciplineRecorded, EightDCaseClosed]
    assert state.status is Status.ACCEPTED
    assert rejection(apply(state, record("D2"))[1]).reason_code == RejectionCode.EIGHT_D_CLOSED


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (agent(), True),
        (quality_engineer(), True),
        (supervisor(), True),
        (agent(OTHER_DEPT), False),
        (auditor(), False),
    ],
)
def test_who_records(who, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    events = apply(a_severe_complaint(), record("D2", by=who))[1]

    assert isinstance(events[0], EightDDisciplineRecorded) is allowed


def test_without_a_case_nothing_is_recorded() -> None:
    state = run(ComplaintState.initial(), receive(), assign(), accept())
    assert rejection(apply(state, record("D2"))[1]).reason_code == RejectionCode.NO_EIGHT_D_CASE


def test_the_confirmation_before_d8_is_recorded_and_d8_then_closes() -> None:
    state = run(a_severe_complaint(resolved=True), *through("D7"))

    state, events = apply(state, feedback(satisfied=True))
    assert len(events) == 1 and state.status is Status.RESOLVED

    state, events = apply(state, record("D8", when=at(days=2)))
    assert events[-1] == ComplaintClosed(reason=CloseReason.SATISFIED)
    assert state.status is Status.CLOSED and state.closed_at == at(days=2)


def test_d8_before_the_confirmation_and_the_confirmation_closes() -> None:
    state = run(a_severe_complaint(resolved=True), *through("D8"))

    state, events = apply(state, feedback(satisfied=False, acknowledged=True))

    assert events[-1] == ComplaintClosed(reason=CloseReason.ACKNOWLEDGED)


def test_an_answer_before_a_reopen_does_not_confirm_the_next_case() -> None:
    # closed satisfied after D8; a supervisor reopens it and a second case is opened by hand
    closed = apply(run(a_severe_complaint(resolved=True), *through("D8")), feedback(satisfied=True))[0]
    assert closed.status is Status.CLOSED
    owner = agent()
    state = run(closed, reopen(), open_case(), accept(by=owner), resolve(by=owner), *through("D7"))
    assert confirmation(state) is None

    state, events = apply(state, record("D8"))
    assert state.status is Status.RESOLVED and not any(isinstance(e, ComplaintClosed) for e in events)
    state, events = apply(state, feedback(satisfied=True))
    assert events[-1] == ComplaintClosed(reason=CloseReason.SATISFIED)


def test_a_dissatisfied_complainant_still_reopens_it_with_the_case_open() -> None:
    state = apply(run(a_severe_complaint(resolved=True), *through("D3")), feedback(satisfied=False))[0]

    assert state.status is Status.REOPENED and state.eight_d is not None and state.eight_d.open


def test_d8_on_a_complaint_not_yet_answered_closes_only_the_case() -> None:
    state = apply(run(a_severe_complaint(), *through("D7")), record("D8"))[0]
    assert state.status is Status.ACCEPTED


def test_closing_as_unresolvable_ends_the_case_unfinished() -> None:
    state = run(a_severe_complaint(resolved=True), *through("D2"), close_unresolvable(by=supervisor()))

    assert state.status is Status.CLOSED and state.eight_d is not None and state.eight_d.open
    assert rejection(apply(state, record("D3"))[1]).reason_code == RejectionCode.ALREADY_CLOSED
