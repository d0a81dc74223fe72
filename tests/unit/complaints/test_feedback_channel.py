"""The revisit's channel (phone, SMS, email, questionnaire) is recorded with the feedback; feedback
stored before the channel existed reads as a phone revisit."""

from __future__ import annotations

import pytest

from shared.complaints import COMPLAINT_EVENTS, FeedbackReceived, Status
from shared.complaints.values import RevisitChannel, label
from tests.builders import a_complaint_in, apply, as_recorded_event, feedback

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("channel", list(RevisitChannel))
def test_the_channel_is_recorded(channel: RevisitChannel) -> None:
    _, events = apply(a_complaint_in(Status.REVISIT_PENDING), feedback(True, 5, channel=channel))

    assert isinstance(events[0], FeedbackReceived)
    assert events[0].channel is channel
    assert label(channel, "zh-CN") != label(channel, "en") != channel.value


def test_feedback_of_schema_1_is_upcast_to_a_phone_revisit() -> None:
    recorded = as_recorded_event(FeedbackReceived(satisfied=True, score=4))
    old = recorded.model_copy(
        update={"schema_version": 1, "payload": {"satisfied": True, "score": 4, "acknowledged": False}}
    )

    decoded = COMPLAINT_EVENTS.decode(old)

    assert decoded == FeedbackReceived(satisfied=True, score=4, channel=RevisitChannel.PHONE)
    assert FeedbackReceived.schema_version == 2
