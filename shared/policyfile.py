"""Policy files (YAML) validated at start-up, with every problem reported as ``file:line``.

Shared by the services that read an organisation's policy from YAML (routing rules, intake
grading): parse the text once as data and once as a node tree, validate the data with Pydantic,
and map each problem's location back to the line of the YAML node it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ValidationError

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a policy file, with where it is."""

    line: int | None
    where: str
    message: str

    def render(self, source: str) -> str:
        place = f"{source}:{self.line}" if self.line is not None else source
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


class PolicyFileError(ValueError):
    """A policy file is unusable; the service refuses to start. Lists every problem by line."""

    what = "policy"

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem.render(source)}" for problem in self.problems)
        super().__init__(f"invalid {self.what} in {source} ({count} problem{'s' * (count != 1)}):\n{lines}")


def read_policy_text(path: Path, error: type[PolicyFileError]) -> str:
    """The file's text; a file that cannot be read raises ``error`` saying why."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as problem:
        raise error(str(path), [Problem(None, "", f"cannot read the file: {problem.strerror}")]) from None


def parse_yaml(text: str, source: str, error: type[PolicyFileError]) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree of a YAML text; invalid YAML raises ``error`` naming the line."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(problem, "problem", None) or str(problem)
        raise error(source, [Problem(line, "", f"not valid YAML: {reason}")]) from None
    return data, root


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


ONE_OR_MANY = BeforeValidator(_as_list)
"""For a list field in `Annotated[list[X] | None, ONE_OR_MANY]`: a condition may name one value
(``category: product_quality``) or a list of them."""


@dataclass(frozen=True)
class PolicyDocument(Generic[Model]):
    """A validated policy file: the model, and the data and node tree further checks point into."""

    value: Model
    data: dict[str, Any]
    root: yaml.Node | None


def validated(
    model: type[Model],
    text: str,
    source: str,
    error: type[PolicyFileError],
    *,
    expected: str,
    extra: dict[str, Any] | None = None,
) -> PolicyDocument[Model]:
    """The YAML text validated as ``model`` (with ``extra`` keys added to the data); ``error``
    lists every problem with its line, in line order. ``expected`` says what the top level must
    hold ("a mapping with <expected>") when it is not a mapping at all."""
    data, root = parse_yaml(text, source, error)
    if not isinstance(data, dict):
        raise error(source, [Problem(1, "", f"expected a mapping with {expected}")])
    try:
        value = model.model_validate({**data, **(extra or {})})
    except ValidationError as failure:
        raise error(
            source, in_line_order(validation_problem(root, data, e) for e in failure.errors())
        ) from None
    return PolicyDocument(value, data, root)


def in_line_order(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.line or 0, problem.where))


def validation_problem(
    root: yaml.Node | None,
    data: Any,
    error: Any,
    where: Callable[[Any, tuple[Any, ...]], str] | None = None,
) -> Problem:
    """A Pydantic error (one item of ``ValidationError.errors()``) as a Problem with its line."""
    loc = tuple(part for part in error["loc"] if not _is_validator_tag(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif "input" in error and error["type"] not in ("missing", "value_error"):
        message = f"{message} (got {error['input']!r})"
    return Problem(node_line(root, loc), (where or dotted)(data, loc), message)


def _is_validator_tag(part: object) -> bool:
    # pydantic adds steps such as "function-before[...]" or "list[...]" to some locations
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def dotted(data: Any, loc: Sequence[Any]) -> str:
    """A readable path: rules[2].match.category[0]."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
        else:
            parts.append(str(part))
    return ".".join(parts)


def node_line(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the deepest YAML node along ``loc`` (a key's line for a mapping entry)."""
    node = root
    line = root.start_mark.line + 1 if root is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    if node is not None and not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
    return line
