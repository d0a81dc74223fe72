"""The risk rules (舆情/监管风险规则): which complaints may reach a regulator or the media.

The rules are a YAML file (default ``risk.yaml`` beside this module; override with
``TOUSU_INTAKE_RISK_FILE``), validated at start-up like the grading policy: an unknown key,
channel or grade, a duplicate name or a rule without conditions stops the service with every
problem as ``file:line``.

Where they are evaluated, and why there: intake holds the facts the rules read at the moment they
are known — the subject and content (before anything is sealed or summarised), the channel, the
grade it has just decided and the recurrence count its admission statement has just counted. So
the rules run at receipt, in the receipt's transaction (a complaint is never received unflagged),
and again when the complaint is regraded (a Kafka reaction on ComplaintRegraded), with the facts
the complaint's state keeps: its channel and new grade. The text and the recurrence count are
facts of the receipt and never change for the complaint (a later complaint about the same product
carries the higher count and is evaluated at its own receipt), so a rule that needs them has had
its answer at receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.clock import Clock
from shared.complaints.stages.risk import FlagRiskAutomatically
from shared.complaints.values import Channel, Grade
from shared.events import Actor
from shared.eventstore import EventStore
from shared.eventstore.complaint_handling import Loaded, Outcome, execute
from shared.policyfile import ONE_OR_MANY, PolicyFileError, Problem, node_line, read_policy_text, validated

INTAKE = Actor.service("intake")

RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"


class RiskMatch(BaseModel):
    """When a risk rule fires: every given condition holds (any listed value of each)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: Annotated[list[Annotated[str, Field(min_length=1)]] | None, ONE_OR_MANY] = Field(
        None, description="Any of these words in the subject or content (case-insensitive).", min_length=1
    )
    channel: Annotated[list[Channel] | None, ONE_OR_MANY] = Field(
        None, description="Channels, e.g. referral.", min_length=1
    )
    grade: Annotated[list[Grade] | None, ONE_OR_MANY] = Field(
        None, description="Grades, e.g. urgent.", min_length=1
    )
    min_repeats: int | None = Field(
        None, description="The recurrence count (this complaint included) is at least this.", ge=1
    )

    @model_validator(mode="after")
    def _has_a_condition(self) -> RiskMatch:
        if self.keywords is None and self.channel is None and self.grade is None and self.min_repeats is None:
            raise ValueError("a risk rule needs at least one of keywords, channel, grade, min_repeats")
        return self


class RiskRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Recorded on the flag when the rule fires.", pattern=RULE_NAME)
    match: RiskMatch


@dataclass(frozen=True)
class RiskFacts:
    """What the rules read. ``text`` and ``repeats`` are None when not known (a regrade)."""

    channel: Channel | None
    grade: Grade | None
    text: str | None = None
    repeats: int | None = None


class RiskRules(BaseModel):
    """The organisation's risk rules, in file order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[RiskRule] = Field(default_factory=list)
    source: str = "<risk rules>"

    def fired(self, facts: RiskFacts) -> list[str]:
        """The names of the rules whose conditions all hold; a condition on a fact not known
        does not hold."""
        return [rule.name for rule in self.rules if _fires(rule.match, facts)]


def _fires(match: RiskMatch, facts: RiskFacts) -> bool:
    if match.channel is not None and facts.channel not in match.channel:
        return False
    if match.grade is not None and facts.grade not in match.grade:
        return False
    if match.keywords is not None:
        text = (facts.text or "").casefold()
        if not any(word.casefold() in text for word in match.keywords):
            return False
    return match.min_repeats is None or (facts.repeats is not None and facts.repeats >= match.min_repeats)


def text_of(subject: str, content: str) -> str:
    return f"{subject}\n{content}"


class RiskRulesError(PolicyFileError):
    """The risk rules are unusable; the intake service refuses to start."""

    what = "risk rules"


def default_risk_file() -> Path:
    return Path(str(resources.files("services.intake").joinpath("risk.yaml")))


def load_risk_rules(path: Path | None = None) -> RiskRules:
    """Read and validate a risk rules file (default: the packaged risk.yaml)."""
    path = path or default_risk_file()
    return parse_risk_rules(read_policy_text(path, RiskRulesError), str(path))


def parse_risk_rules(text: str, source: str = "<risk rules>") -> RiskRules:
    """Validate the YAML text; RiskRulesError lists every problem with its line."""
    document = validated(RiskRules, text, source, RiskRulesError, expected="rules", extra={"source": source})
    seen: set[str] = set()
    problems: list[Problem] = []
    for index, rule in enumerate(document.value.rules):
        if rule.name in seen:
            line = node_line(document.root, ("rules", index, "name"))
            problems.append(Problem(line, f"rules[{index}].name", f"duplicate rule name {rule.name!r}"))
        seen.add(rule.name)
    if problems:
        raise RiskRulesError(source, problems)
    return document.value


async def flag_risk(
    store: EventStore, complaint_no: str, rules: list[str], clock: Clock, current: Loaded | None = None
) -> Outcome | None:
    """Flag the complaint for ``rules`` (those already flagged are not flagged again); None when
    no rule fired. In the caller's transaction: ``store`` is bound to it."""
    if not rules:
        return None
    command = FlagRiskAutomatically(actor=INTAKE, at=clock.now(), rules=rules)
    return await execute(store, complaint_no, command, clock=clock, attempts=1, current=current)
