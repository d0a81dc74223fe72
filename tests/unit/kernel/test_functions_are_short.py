"""No function or method in services/, shared/ or tooling/ has a body longer than 60 lines unless a
``# long: <reason>`` comment says why, on the line just above the ``def`` (above its decorators if
any) or on the first line of its body. A long function is read top to bottom to find the one step
that matters; small functions whose names say what they do let the reader skip to it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("services", "shared", "tooling")
LIMIT = 60
REASON = re.compile(r"#\s*long:\s*\S")


@dataclass(frozen=True)
class Function:
    path: str
    line: int
    name: str
    body_lines: int
    has_reason: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.name} ({self.body_lines} lines)"


def _docstring(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Expr | None:
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first if isinstance(first.value.value, str) else None
    return None


def _signature_end(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """The line holding the colon that closes the ``def`` (a signature may span lines)."""
    parts: list[ast.arg | ast.expr] = [*node.args.args, *node.args.posonlyargs, *node.args.kwonlyargs]
    parts += [a for a in (node.args.vararg, node.args.kwarg, node.returns) if a is not None]
    line = max([node.lineno, *(p.end_lineno or p.lineno for p in parts)])
    while line < node.body[0].lineno and not lines[line - 1].split("#", 1)[0].rstrip().endswith(":"):
        line += 1
    return line


def _line(lines: list[str], number: int) -> str:
    """Line ``number`` (1-based), or "" past either end."""
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def _functions(path: Path) -> Iterator[Function]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        signature_end = _signature_end(node, lines)
        docstring = _docstring(node)
        body_start = docstring.end_lineno if docstring and docstring.end_lineno else signature_end
        above = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        candidates = [_line(lines, above), _line(lines, signature_end + 1), _line(lines, body_start + 1)]
        yield Function(
            path=path.relative_to(ROOT).as_posix(),
            line=node.lineno,
            name=node.name,
            body_lines=(node.end_lineno or node.lineno) - body_start,
            has_reason=any(REASON.search(line) for line in candidates),
        )


def _all_functions() -> list[Function]:
    found: list[Function] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.extend(_functions(path))
    return found


def test_no_function_is_long_without_a_reason() -> None:
    long = [f for f in _all_functions() if f.body_lines > LIMIT and not f.has_reason]
    assert not long, (
        f"functions with a body over {LIMIT} lines:\n"
        + "\n".join(f"  {f}" for f in long)
        + "\nSplit each into smaller functions whose names say what they do, or, when its length"
        " is the clearest form (a match that reads as a table, a hot loop), put a comment"
        " `# long: <why>` on the line above its def (above its decorators) or on its body's"
        " first line."
    )
