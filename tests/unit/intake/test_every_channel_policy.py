"""The packaged policy, channel by channel: who may submit on it and which fields it requires.
(The same promises over HTTP: tests/integration/intake/test_every_channel.py.)"""

from __future__ import annotations

import pytest

from services.intake.policy import load_policy
from services.intake.schemas import ComplaintSubmission
from services.intake.submitters import may_submit
from shared.complaints.values import Channel
from tests.unit.intake.every_channel import PROMISES, ChannelPromise, valid_submission, without

pytestmark = pytest.mark.unit

POLICY = load_policy()


def test_every_channel_has_a_promise() -> None:
    assert [promise.channel for promise in PROMISES] == list(Channel)


@pytest.mark.parametrize("promise", PROMISES, ids=lambda p: p.channel.value)
def test_who_may_submit(promise: ChannelPromise) -> None:
    for principal in promise.allowed:
        assert may_submit(POLICY.submitters, promise.channel, principal.role, principal.subject), principal
    for principal in promise.refused:
        assert not may_submit(POLICY.submitters, promise.channel, principal.role, principal.subject), (
            principal
        )


@pytest.mark.parametrize("promise", PROMISES, ids=lambda p: p.channel.value)
def test_required_fields(promise: ChannelPromise) -> None:
    valid = valid_submission(promise)
    assert POLICY.missing_fields(ComplaintSubmission.model_validate(valid)) == []
    for field in promise.required:
        lacking = ComplaintSubmission.model_validate(without(valid, field))
        assert POLICY.missing_fields(lacking) == [field]
    # and nothing else: with only a name and no references, exactly the channel's fields are missing
    bare = {key: value for key, value in valid.items() if key not in {"product_refs", "order_refs"}}
    bare["complainant"] = {"name": "某人"}
    assert POLICY.missing_fields(ComplaintSubmission.model_validate(bare)) == list(promise.required)


def test_anonymous_employees_are_not_asked_for_their_employee_number() -> None:
    [mailbox] = [promise for promise in PROMISES if promise.channel is Channel.EMPLOYEE_MAILBOX]
    anonymous = {**without(valid_submission(mailbox), "complainant"), "anonymous": True}
    assert POLICY.missing_fields(ComplaintSubmission.model_validate(anonymous)) == []
