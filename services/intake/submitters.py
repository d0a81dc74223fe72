"""Who may submit on each channel (受理权限): part of the intake policy.

For each channel the policy lists the staff ``roles`` that may register complaints on it
(agent, supervisor) and the ``channel_ids`` of the channel systems that may submit on it: the
subject of a channel token over HTTP, the ``channel_id`` of a Kafka submission; ``"*"`` is any,
and ``"system:*"`` any subject starting ``system:`` (e.g. the employee platform's per-employee
session tokens, ``employee-platform:<employee>``).
When the policy has no ``submitters`` section, every submitting role may use every channel; when
it has one, it must name every channel (checked at start-up).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.values import Channel, label
from shared.events import Role

ANY = "*"
"""In ``channel_ids``: any channel system."""

CHANNEL_NOT_ALLOWED = "channel_not_allowed"

ChannelId = Annotated[str, Field(pattern=r"^(\*|[A-Za-z0-9_.:-]{1,64}(:\*)?)$")]


class Submitters(BaseModel):
    """Who may submit on one channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: list[Literal["agent", "supervisor"]] = Field(
        default_factory=list, description="Staff roles that may register complaints on this channel."
    )
    channel_ids: list[ChannelId] = Field(
        default_factory=list,
        description="Channel systems (channel token subjects, Kafka channel_id) that may submit; * is any.",
    )

    def allows_channel(self, channel_id: str) -> bool:
        return any(
            allowed in (ANY, channel_id) or (allowed.endswith(":*") and channel_id.startswith(allowed[:-1]))
            for allowed in self.channel_ids
        )

    def allows(self, role: Role, subject: str) -> bool:
        if role is Role.CHANNEL:
            return self.allows_channel(subject)
        return role.value in self.roles


def may_submit(
    submitters: dict[Channel, Submitters] | None, channel: Channel, role: Role, subject: str
) -> bool:
    """Whether ``role`` (``subject``: the token's subject or the Kafka channel_id) may submit on
    ``channel``."""
    if submitters is None:
        return True
    rule = submitters.get(channel)
    return rule is not None and rule.allows(role, subject)


def refusal(channel: Channel, role: Role, subject: str) -> dict[str, str]:
    """The machine-readable body of the 403, and the reason of a Kafka dead letter."""
    return {
        "error": CHANNEL_NOT_ALLOWED,
        "message": f"the {role.value} {subject!r} may not submit on the channel {channel.value}",
        "message_zh": f"「{label(role, 'zh-CN')}」{subject} 无权通过「{label(channel, 'zh-CN')}」"
        "渠道提交投诉",
        "channel": channel.value,
        "role": role.value,
        "subject": subject,
    }
