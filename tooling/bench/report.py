"""The bench report: one JSON document and the same figures as Markdown."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tooling.bench.results import BenchResult


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def to_markdown(meta: dict[str, Any], results: list[BenchResult]) -> str:
    lines = [f"# tousu bench — {meta['started_at']}", ""]
    lines.append(f"Preset **{meta['preset']}**, {meta['repeats']} runs per figure (median shown).")
    lines.append("")
    lines.append("| machine | |")
    lines.append("|---|---|")
    for key, value in meta["machine"].items():
        lines.append(f"| {key} | {value} |")
    lines.append("")
    for result in results:
        lines.append(f"## {result.title}")
        lines.append("")
        lines.append("| case | parameters | median | unit | runs |")
        lines.append("|---|---|---:|---|---|")
        for f in result.figures:
            runs = ", ".join(_number(r) for r in f.runs)
            lines.append(f"| {f.case} | {_params(f.params)} | {_number(f.median)} | {f.unit} | {runs} |")
        if result.ratios:
            lines.append("")
            lines.append("| comparison (same run) | ratio | target | met |")
            lines.append("|---|---:|---:|---|")
            for r in result.ratios:
                sign = "≤" if r.at_most else "≥"
                target = f"{sign} {_number(r.target)}" if r.target is not None else "—"
                met = {None: "—", True: "yes", False: "**no**"}[r.met]
                lines.append(f"| {r.name} | {_number(r.value)} | {target} | {met} |")
        for note in result.notes:
            lines.append("")
            lines.append(f"> {note}")
        lines.append("")
        lines.append(f"_{result.seconds:.1f} s_")
        lines.append("")
    return "\n".join(lines)


def write_reports(directory: Path, meta: dict[str, Any], results: list[BenchResult]) -> tuple[Path, Path]:
    """bench-<timestamp>.json/.md plus latest.json/latest.md in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = meta["started_at"].replace(":", "").replace("-", "")
    document = {**meta, "results": [r.as_dict() for r in results]}
    as_json = json.dumps(document, ensure_ascii=False, indent=2)
    as_md = to_markdown(meta, results)
    json_path = directory / f"bench-{stamp}.json"
    md_path = directory / f"bench-{stamp}.md"
    for path, body in ((json_path, as_json), (md_path, as_md)):
        path.write_text(body, encoding="utf-8")
        (directory / f"latest{path.suffix}").write_text(body, encoding="utf-8")
    return json_path, md_path
