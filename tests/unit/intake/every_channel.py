"""What the packaged intake policy (services/intake/grading.yaml, docs/intake.md) promises for
each of the 14 channels: who may submit on it, who may not, and which fields it requires beyond
the schema. Shared by the unit test on the policy and the HTTP test of every channel."""

from __future__ import annotations

from dataclasses import dataclass

from shared.complaints.values import Channel
from shared.events import Role
from tests.support.auth import token_for


@dataclass(frozen=True)
class Principal:
    """A caller: the role and subject the policy checks, and the bearer token that carries them."""

    role: Role
    subject: str
    token: str
    department: str | None = None


CHANNEL_SYSTEM = Principal(Role.CHANNEL, "test-channel", token_for("channel"))
EMPLOYEE_PLATFORM = Principal(Role.CHANNEL, "employee-platform", "every-channel-employee-platform-token")
EMPLOYEE_SESSION = Principal(Role.CHANNEL, "employee-platform:E1024", "every-channel-employee-session-E1024")
AGENT = Principal(
    Role.AGENT, "agent-customer_service", token_for("agent", "customer_service"), "customer_service"
)
HR_AGENT = Principal(Role.AGENT, "agent-hr", token_for("agent", "hr"), "hr")
SUPERVISOR = Principal(Role.SUPERVISOR, "test-supervisor", token_for("supervisor"))


@dataclass(frozen=True)
class ChannelPromise:
    channel: Channel
    allowed: tuple[Principal, ...]
    refused: tuple[Principal, ...]
    """Refused by the channel's ``submitters`` entry (403 channel_not_allowed); empty when the
    policy lets every channel system and both staff roles submit on it."""
    required: tuple[str, ...]
    """The policy's required fields for the channel (422 missing_fields when left out)."""
    employee: bool = False
    """An employees' channel: the valid submission is an employee's."""


STAFF = (AGENT, SUPERVISOR)

PROMISES: tuple[ChannelPromise, ...] = (
    ChannelPromise(Channel.HOTLINE, (CHANNEL_SYSTEM, *STAFF), (), ("complainant.phone",)),
    ChannelPromise(Channel.ONLINE, (CHANNEL_SYSTEM, *STAFF), (), ()),
    ChannelPromise(Channel.WEB_FORM, (CHANNEL_SYSTEM, *STAFF), (), ()),
    ChannelPromise(Channel.APP, (CHANNEL_SYSTEM, *STAFF), (), ()),
    ChannelPromise(Channel.EMAIL, (CHANNEL_SYSTEM, *STAFF), (), ("complainant.email",)),
    ChannelPromise(Channel.LETTER, STAFF, (CHANNEL_SYSTEM,), ()),
    ChannelPromise(Channel.ON_SITE, STAFF, (CHANNEL_SYSTEM,), ()),
    ChannelPromise(Channel.SUGGESTION_BOX, STAFF, (CHANNEL_SYSTEM,), ()),
    ChannelPromise(Channel.AFTER_SALES_REVISIT, (CHANNEL_SYSTEM, *STAFF), (), ("order_refs",)),
    ChannelPromise(Channel.STORE, (CHANNEL_SYSTEM, *STAFF), (), ("complainant.phone",)),
    ChannelPromise(
        Channel.EMPLOYEE_PLATFORM,
        (EMPLOYEE_PLATFORM, EMPLOYEE_SESSION, SUPERVISOR),
        (CHANNEL_SYSTEM, HR_AGENT),
        ("complainant.employee_id",),
        employee=True,
    ),
    ChannelPromise(
        Channel.FACE_TO_FACE,
        (HR_AGENT, SUPERVISOR),
        (CHANNEL_SYSTEM, EMPLOYEE_PLATFORM),
        ("complainant.employee_id",),
        employee=True,
    ),
    ChannelPromise(
        Channel.EMPLOYEE_MAILBOX,
        (EMPLOYEE_PLATFORM, EMPLOYEE_SESSION, SUPERVISOR),
        (CHANNEL_SYSTEM, HR_AGENT),
        ("complainant.employee_id",),
        employee=True,
    ),
    ChannelPromise(Channel.REFERRAL, (CHANNEL_SYSTEM, *STAFF), (), ()),
)

SCHEMA_REQUIRED = ("complainant_kind", "category", "subject", "content")
"""Fields the submission schema itself requires on every channel (422 invalid_request)."""


def valid_submission(promise: ChannelPromise, tag: str = "") -> dict[str, object]:
    """A submission the policy accepts on the channel (with every field it may ask for)."""
    if promise.employee:
        return {
            "channel": promise.channel.value,
            "complainant_kind": "employee",
            "complainant": {"name": "陈静", "employee_id": "E1024", "phone": "13912345678"},
            "category": "pay_benefits",
            "subject": f"加班费未发 {promise.channel.value} {tag}".strip(),
            "content": "十月加班费未发放。",
        }
    return {
        "channel": promise.channel.value,
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": "13812345678", "email": "zhang.wei@example.com"},
        "category": "product_quality",
        "subject": f"洗衣机漏水 {promise.channel.value} {tag}".strip(),
        "content": "购买两周的洗衣机底部漏水。",
        "product_refs": ["WM-2031"],
        "order_refs": ["SO-88812"],
    }


def without(submission: dict[str, object], field: str) -> dict[str, object]:
    """The submission with ``field`` (``complainant.x`` for a complainant's field) left out."""
    copy = dict(submission)
    if field.startswith("complainant."):
        complainant = dict(copy["complainant"])  # type: ignore[call-overload]
        del complainant[field.removeprefix("complainant.")]
        copy["complainant"] = complainant
    else:
        del copy[field]
    return copy
