"""The routing rule table (分类派单规则): ordered rules, the first that matches wins.

The table is a YAML file (default: ``rules.yaml`` beside this module; override with
``TOUSU_ROUTING_RULES_FILE``). It is validated when the service starts: an unknown category,
channel, grade, complainant kind or department, an unknown key, a rule without conditions or a
duplicate rule name stops the service with every problem listed by file, line, rule number and
bad value. A complaint no rule matches goes to ``default_department``.

    departments:                 # the organisation's department codes (labels optional)
      quality: {zh-CN: 质量部, en: Quality}
      hr:                        # a usual code: its built-in labels are used
    default_department: customer_service
    rules:
      - name: employee-pay-and-performance
        match: {complainant_kind: employee, category: [pay_benefits, performance_review]}
        department: hr
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.complaints.events import ComplaintReceived
from shared.complaints.values import DEPARTMENTS, Category, Channel, ComplainantKind, Grade, Lang, Name
from shared.policyfile import (
    ONE_OR_MANY,
    PolicyFileError,
    Problem,
    dotted,
    in_line_order,
    node_line,
    parse_yaml,
    read_policy_text,
    validation_problem,
)

DEFAULT_RULE = "default"
"""The ``rule`` recorded when no rule matched and the default department got the complaint."""

DEPARTMENT_CODE = r"^[a-z][a-z0-9_]{0,63}$"
RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"


class Match(BaseModel):
    """What a complaint must have for the rule to fire: every given condition, any listed value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Annotated[list[Category] | None, ONE_OR_MANY] = Field(
        None, description="Categories (分类), e.g. product_quality.", min_length=1
    )
    complainant_kind: Annotated[list[ComplainantKind] | None, ONE_OR_MANY] = Field(
        None, description="customer or employee.", min_length=1
    )
    channel: Annotated[list[Channel] | None, ONE_OR_MANY] = Field(
        None, description="Channels (受理渠道), e.g. hotline.", min_length=1
    )
    grade: Annotated[list[Grade] | None, ONE_OR_MANY] = Field(
        None, description="Grades (分级), e.g. urgent or severe.", min_length=1
    )

    @model_validator(mode="after")
    def _has_a_condition(self) -> Match:
        if not self.conditions():
            raise ValueError(
                "a rule needs at least one condition (category, complainant_kind, channel or grade); "
                "complaints no rule matches go to default_department"
            )
        return self

    def conditions(self) -> dict[str, list[str]]:
        fields = ("category", "complainant_kind", "channel", "grade")
        return {name: list(getattr(self, name)) for name in fields if getattr(self, name) is not None}

    def matches(self, complaint: ComplaintReceived) -> bool:
        return all(getattr(complaint, name) in values for name, values in self.conditions().items())


class Rule(BaseModel):
    """One line of the table: when ``match`` holds, the complaint goes to ``department``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Unique name; recorded as `rule` in ComplaintAssigned.", pattern=RULE_NAME)
    match: Match = Field(description="The conditions; all must hold.")
    department: str = Field(
        description="Code of the department that gets the complaint.", pattern=DEPARTMENT_CODE
    )
    note: str | None = Field(
        None, description="Instructions for the department, copied into ComplaintAssigned.", max_length=500
    )
    cooperating: list[Annotated[str, Field(pattern=DEPARTMENT_CODE)]] = Field(
        default_factory=list,
        description="Codes of the departments asked to co-operate (协同) with it, the lead (牵头): each "
        "gets a CooperationRequested with the assignment.",
        max_length=10,
    )


class RuleFile(BaseModel):
    """The YAML file as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    departments: dict[Annotated[str, Field(pattern=DEPARTMENT_CODE)], Name | None] | None = Field(
        None,
        description="The organisation's department codes, each with labels or empty for a usual code; "
        "omitted: the usual departments.",
    )
    default_department: str = Field(
        description="Where complaints no rule matches go, normally customer_service.", pattern=DEPARTMENT_CODE
    )
    rules: list[Rule] = Field(default_factory=list, description="The rules, first match wins.")


class RuleTableError(PolicyFileError):
    """The rule file is unusable; the routing service refuses to start."""

    what = "routing rules"


@dataclass(frozen=True)
class Decision:
    """Where a complaint goes and which rule sent it there."""

    department: str
    rule: str
    note: str | None = None
    cooperating: tuple[str, ...] = ()
    """The departments to co-operate with the lead, from the rule."""


@dataclass(frozen=True)
class RuleTable:
    """The validated table."""

    rules: tuple[Rule, ...]
    default_department: str
    departments: dict[str, dict[Lang, str]]
    source: str

    def route(self, complaint: ComplaintReceived) -> Decision:
        for rule in self.rules:
            if rule.match.matches(complaint):
                return Decision(rule.department, rule.name, rule.note, tuple(rule.cooperating))
        return Decision(self.default_department, DEFAULT_RULE)

    def route_elsewhere(self, complaint: ComplaintReceived, avoid: str) -> Decision | None:
        """The first matching rule naming a department other than ``avoid`` (an upheld objection
        to ``avoid``), else the default department if it is another; None when there is none."""
        for rule in self.rules:
            if rule.department != avoid and rule.match.matches(complaint):
                return Decision(rule.department, rule.name, rule.note)
        if self.default_department != avoid:
            return Decision(self.default_department, DEFAULT_RULE)
        return None

    def knows(self, department: str) -> bool:
        return department in self.departments

    def label(self, department: str, lang: Lang) -> str:
        labels = self.departments.get(department)
        return labels[lang] if labels is not None else department


def default_rules_file() -> Path:
    return Path(str(resources.files("services.routing").joinpath("rules.yaml")))


def load_rules(path: Path | None = None) -> RuleTable:
    """Read and validate a rule file (default: the packaged rules.yaml)."""
    path = path or default_rules_file()
    text = read_policy_text(path, RuleTableError)
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "<rules>") -> RuleTable:
    """Validate the YAML text of a rule file; RuleTableError lists every problem."""
    data, root = parse_yaml(text, source, RuleTableError)
    if not isinstance(data, dict):
        raise RuleTableError(source, [Problem(1, "", "expected a mapping with default_department and rules")])
    problems = _semantic_problems(root, data)
    parsed: RuleFile | None = None
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as error:
        problems += [validation_problem(root, data, e, _where) for e in error.errors()]
    if problems or parsed is None:
        raise RuleTableError(source, in_line_order(problems))
    return RuleTable(
        rules=tuple(parsed.rules),
        default_department=parsed.default_department,
        departments=_departments(parsed),
        source=source,
    )


def _departments(parsed: RuleFile) -> dict[str, dict[Lang, str]]:
    if parsed.departments is None:
        return dict(DEPARTMENTS)
    known: dict[str, dict[Lang, str]] = {}
    for code, labels in parsed.departments.items():
        if labels is not None:
            known[code] = labels.texts()
        else:
            known[code] = DEPARTMENTS.get(code, {"zh-CN": code, "en": code})
    return known


def _semantic_problems(root: yaml.Node | None, data: dict[str, Any]) -> list[Problem]:
    """What the schema alone cannot see: unknown departments, duplicate names, unlabelled codes.

    Works on the raw data, so these are reported together with the schema's problems.
    """
    declared = data.get("departments")
    known = {str(code) for code in declared} if isinstance(declared, dict) else set(DEPARTMENTS)
    choices = ", ".join(sorted(known))
    problems: list[Problem] = []
    if isinstance(declared, dict):
        for code, labels in declared.items():
            if labels is None and code not in DEPARTMENTS and _is_code(code):
                problems.append(
                    Problem(
                        _line(root, ("departments", code)),
                        f"departments.{code}",
                        f"{code!r} is not a usual department code, so it needs labels: "
                        "{zh-CN: ..., en: ...}",
                    )
                )
    default = data.get("default_department")
    if _is_code(default) and default not in known:
        problems.append(
            Problem(
                _line(root, ("default_department",)),
                "default_department",
                f"unknown department {default!r} (known: {choices})",
            )
        )
    rules = data.get("rules")
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        name, department = rule.get("name"), rule.get("department")
        where = _where(data, ("rules", index))
        if _is_code(department) and department not in known:
            problems.append(
                Problem(
                    _line(root, ("rules", index, "department")),
                    f"{where}.department",
                    f"unknown department {department!r} (known: {choices})",
                )
            )
        if isinstance(name, str):
            if name in seen:
                problems.append(
                    Problem(
                        _line(root, ("rules", index, "name")),
                        f"{where}.name",
                        f"duplicate rule name {name!r}, already used by rule {seen[name] + 1}",
                    )
                )
            seen.setdefault(name, index)
    return problems + _cooperating_problems(root, data, known)


def _cooperating_problems(root: yaml.Node | None, data: dict[str, Any], known: set[str]) -> list[Problem]:
    """A rule's co-operating departments: known, not its own department, each named once."""
    problems: list[Problem] = []
    rules = data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        cooperating = rule.get("cooperating") if isinstance(rule, dict) else None
        if not isinstance(cooperating, list):
            continue
        where = _where(data, ("rules", index))
        for position, code in enumerate(cooperating):
            if not _is_code(code):
                continue
            why = (
                f"unknown department {code!r}"
                if code not in known
                else "the rule's own department leads; it cannot co-operate with itself"
                if code == rule.get("department")
                else f"{code!r} is named twice"
                if cooperating.index(code) != position
                else None
            )
            if why:
                line = _line(root, ("rules", index, "cooperating", position))
                problems.append(Problem(line, f"{where}.cooperating[{position}]", why))
    return problems


def _is_code(value: object) -> bool:
    """A well-formed department code (a malformed one is the schema's to report)."""
    return isinstance(value, str) and re.fullmatch(DEPARTMENT_CODE, value) is not None


def _where(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """A readable path: rule 3 (name).match.category[0]."""
    parts: list[str] = []
    rest = loc
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules")
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        name = rule.get("name") if isinstance(rule, dict) else None
        parts.append(f"rule {loc[1] + 1}" + (f" ({name})" if name else ""))
        rest = loc[2:]
    tail = dotted(data, rest)
    return ".".join([*parts, tail] if tail else parts)


_line = node_line
