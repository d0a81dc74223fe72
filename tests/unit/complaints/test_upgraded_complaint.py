"""An upgraded complaint (升级投诉) is linked to the first one and flagged as escalated, once."""

from __future__ import annotations

import pytest

from shared.complaints import RejectionCode, Status
from shared.complaints.stages.upgrade import ComplaintUpgradedFrom
from tests.builders import (
    COMPLAINT_NO,
    SURVIVOR_NO,
    a_complaint_in,
    apply,
    link_upgraded,
    rejection,
    run,
    supervisor,
)

pytestmark = pytest.mark.unit


def test_a_received_complaint_is_linked_to_the_one_whose_answer_was_rejected() -> None:
    state, events = apply(a_complaint_in(Status.RECEIVED), link_upgraded(SURVIVOR_NO))

    assert events == [ComplaintUpgradedFrom(original=SURVIVOR_NO)]
    assert events[0].escalated is True
    assert state.upgraded_from == SURVIVOR_NO


def test_it_is_linked_once_and_intake_linking_it_again_changes_nothing() -> None:
    state = run(a_complaint_in(Status.RECEIVED), link_upgraded())

    assert apply(state, link_upgraded("TS-20260104-0001"))[1] == []  # a redelivery: a no-op
    refused = rejection(apply(state, link_upgraded("TS-20260104-0001", by=supervisor()))[1])
    assert refused.reason_code == RejectionCode.ALREADY_RECORDED


def test_a_complaint_is_not_an_upgrade_of_itself() -> None:
    refused = rejection(apply(a_complaint_in(Status.RECEIVED), link_upgraded(COMPLAINT_NO))[1])

    assert refused.reason_code == RejectionCode.MERGE_INTO_SELF
