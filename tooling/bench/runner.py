"""Runs the chosen benchmarks against one environment and writes the reports."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tooling.bench.append import bench_append
from tooling.bench.audit import bench_audit
from tooling.bench.burst import bench_burst
from tooling.bench.end_to_end import bench_end_to_end
from tooling.bench.environment import BenchEnvironment, bench_environment
from tooling.bench.intake_http import bench_intake_http
from tooling.bench.relay import bench_relay
from tooling.bench.replay import bench_replay
from tooling.bench.report import write_reports
from tooling.bench.results import BenchResult
from tooling.bench.sizes import PRESETS, Sizes
from tooling.bench.timers import bench_timers

log = logging.getLogger(__name__)

Benchmark = Callable[[BenchEnvironment, Sizes], Awaitable[BenchResult]]

BENCHMARKS: dict[str, Benchmark] = {
    "append": bench_append,
    "replay": bench_replay,
    "relay": bench_relay,
    "intake": bench_intake_http,
    "e2e": bench_end_to_end,
    "burst": bench_burst,
    "timers": bench_timers,
    "audit": bench_audit,
}
"""Numbered as in docs/benchmarks.md (1 append, 2 replay, 3 relay, 4 intake HTTP, 5 end to end, 6 SLA
timers, 7 burst, 8 audit checkpoints); the burst runs right after the end-to-end loads, whose
running services it shares in the quick preset (:attr:`Sizes.share_services`)."""


@dataclass
class BenchOptions:
    preset: str = "moderate"
    only: list[str] = field(default_factory=list)
    repeats: int | None = None
    output: Path = Path("bench-results")
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    kafka_idempotence: bool | None = None
    """None: TOUSU_KAFKA_IDEMPOTENCE (default on; off for a tansu the bench starts itself)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """Fields of :class:`Sizes` replaced in the preset (a reduced run: ``--e2e-loads``, ``--burst``)."""

    @property
    def sizes(self) -> Sizes:
        sizes = replace(PRESETS[self.preset], **self.overrides)
        if self.repeats is not None:
            sizes = replace(sizes, repeats=self.repeats)
        return sizes


@dataclass
class BenchRun:
    results: list[BenchResult]
    json_path: Path
    markdown_path: Path
    databases: list[str] = field(default_factory=list)
    """The scratch databases the run created (and dropped)."""


async def run_bench(options: BenchOptions, progress: Callable[[str], None] = print) -> BenchRun:
    names = options.only or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise ValueError(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    sizes = options.sizes
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # report metadata, not domain time
    results: list[BenchResult] = []
    async with bench_environment(
        options.database_url, options.kafka_bootstrap, kafka_idempotence=options.kafka_idempotence
    ) as env:
        machine = await env.machine()
        for name in names:
            progress(f"bench {name} ({options.preset}) ...")
            began = time.perf_counter()
            result = await BENCHMARKS[name](env, sizes)
            result.seconds = time.perf_counter() - began
            results.append(result)
            for ratio in result.ratios:
                progress(
                    f"  {ratio.name}: {ratio.value:.2f}"
                    + (f" (target {'≤' if ratio.at_most else '≥'} {ratio.target:g})" if ratio.target else "")
                )
            await env.drop_all()
    meta = {
        "started_at": started_at,
        "preset": options.preset,
        "repeats": sizes.repeats,
        "sizes": vars(sizes),
        "machine": machine,
    }
    json_path, md_path = write_reports(options.output, meta, results)
    progress(f"wrote {json_path} and {md_path}")
    return BenchRun(results, json_path, md_path, env.created)
