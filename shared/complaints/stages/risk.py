"""Risk flags (舆情/监管风险): a complaint that may reach a regulator or the media is flagged for
the public-relations owner, with the rules that fired, and the flag stays until a supervisor or
the PR owner clears it.

Intake evaluates the organisation's risk rules (data, ``services/intake/risk.yaml``) and flags
automatically (``FlagRiskAutomatically``); staff flag by hand with a reason (``FlagRisk``). A flag
is a fact about the complaint, not a status: the complaint is handled as before, and the state
keeps the rules currently flagged (``risk_flags``) so that a re-evaluation flags only what is new.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    SERVICE,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    titled,
)
from shared.complaints.values import Label
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

MANUAL_RULE = "manual"
"""The rule name a flag set by a person is recorded under."""

CLEARERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.PR_OWNER})
"""Who may clear a risk flag: a supervisor, or the public-relations owner who watches them."""


class RiskSource(StrEnum):
    """Who raised a risk flag."""

    AUTO = "auto"
    """Intake's risk rules fired."""
    MANUAL = "manual"
    """A member of staff flagged it, with a reason."""


@COMPLAINT_EVENTS.register
class ComplaintRiskFlagged(ComplaintEvent):
    """The complaint may reach a regulator or the media (舆情风险): flagged for the public-relations
    owner, with the rules that fired (``manual`` for a person's flag)."""

    title: ClassVar[Label] = titled("标记舆情风险", "Flagged as a reputational risk")

    rules: list[Code] = Field(
        description="The risk rules that fired (``manual``: flagged by staff).", min_length=1
    )
    source: RiskSource = Field(description="auto: intake's risk rules; manual: a member of staff.")
    reason: FreeText | None = Field(None, description="Why a person flagged it; null for automatic flags.")


@COMPLAINT_EVENTS.register
class ComplaintRiskFlagCleared(ComplaintEvent):
    """A supervisor or the public-relations owner judged the risk past or unfounded: every flag of
    the complaint is cleared, with the reason."""

    title: ClassVar[Label] = titled("解除舆情风险标记", "Risk flag cleared")

    rules: list[Code] = Field(description="The rules whose flags were cleared.", min_length=1)
    reason: FreeText = Field(description="Why the flag is cleared.", min_length=1)


class FlagRiskAutomatically(Command):
    """Flag the complaint for the rules of the risk policy that fired (intake)."""

    verb: ClassVar[str] = "flag as a risk"
    verb_zh: ClassVar[str] = "标记舆情风险"

    rules: list[str] = Field(description="The risk rules that fired.", min_length=1)


class FlagRisk(Command):
    """Flag the complaint as a reputational risk by hand (人工标记), giving the reason."""

    verb: ClassVar[str] = "flag as a risk"
    verb_zh: ClassVar[str] = "标记舆情风险"

    reason: str = Field(description="Why the complaint may reach a regulator or the media.", min_length=1)


class ClearRiskFlag(Command):
    """Clear the complaint's risk flags (解除标记), giving the reason."""

    verb: ClassVar[str] = "clear the risk flag of"
    verb_zh: ClassVar[str] = "解除舆情风险标记"

    reason: str = Field(description="Why the flag is cleared.", min_length=1)


@decides(FlagRiskAutomatically, by=SERVICE)
def _flag_automatically(state: ComplaintState, command: FlagRiskAutomatically) -> list[Event]:
    new = [rule for rule in dict.fromkeys(command.rules) if rule not in state.risk_flags]
    if not new:  # re-evaluated after a redelivery or a regrade: nothing new fired
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="risk flag", what_zh="风险标记")
    return [ComplaintRiskFlagged(rules=new, source=RiskSource.AUTO)]


@decides(FlagRisk, by=AGENT | STAFF)
def _flag(state: ComplaintState, command: FlagRisk) -> list[Event]:
    if MANUAL_RULE in state.risk_flags:
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="risk flag", what_zh="风险标记")
    return [ComplaintRiskFlagged(rules=[MANUAL_RULE], source=RiskSource.MANUAL, reason=command.reason)]


@decides(ClearRiskFlag, by=CLEARERS)
def _clear(state: ComplaintState, command: ClearRiskFlag) -> list[Event]:
    if not state.risk_flags:
        raise fail(RejectionCode.NOT_FLAGGED, state, command)
    return [ComplaintRiskFlagCleared(rules=list(state.risk_flags), reason=command.reason)]


@evolves(ComplaintRiskFlagged)
def _flagged(s: Draft, event: ComplaintRiskFlagged, at: datetime | None) -> None:
    s.risk_flags = (*s.risk_flags, *(rule for rule in event.rules if rule not in s.risk_flags))


@evolves(ComplaintRiskFlagCleared)
def _cleared(s: Draft, event: ComplaintRiskFlagCleared, at: datetime | None) -> None:
    s.risk_flags = ()
