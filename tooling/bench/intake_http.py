"""Benchmark 4: intake HTTP — submissions/s accepted and p50/p99 latency at fixed offered loads.

The real intake service runs as `tousu serve intake` does (uvicorn, its own process, the real
PostgreSQL store, its outbox relay publishing to the broker); the ceiling is a bare FastAPI
endpoint doing the same request validation with no store (:mod:`tooling.bench.ceiling`), also in
its own process. Both are driven by the same open-loop generator in a third process
(:mod:`tooling.bench.loadgen`): latency counts from each request's scheduled instant. Within each
repeat the two take turns at every load, so a ratio compares figures taken moments apart.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tooling.bench.environment import BenchEnvironment
from tooling.bench.loadgen import LoadResult, LoadSpec, offer_load, percentile
from tooling.bench.results import BenchResult, Figure
from tooling.bench.services import CEILING, SUBMISSION, RunningServices, running_services
from tooling.bench.sizes import Sizes

P99_TARGET_MS = 50.0
P99_TARGET_LOAD = 500
RATIO_TARGET = 0.5
CASES = {"intake": "intake", CEILING: "bare_fastapi"}


class _Figures(dict[tuple[str, int, str], Figure]):
    """The benchmark's figures by case, offered load and what they measure, each made on first use."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def of(self, case: str, load: int, what: str, unit: str) -> Figure:
        key = (case, load, what)
        if key not in self:
            self[key] = Figure(f"{case} {what}", unit, [], {"offered_per_s": load, "seconds": self.seconds})
        return self[key]


async def bench_intake_http(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult(
        "intake", "4. Intake HTTP (submissions/s accepted, latency from the scheduled instant)"
    )
    settings = await env.scratch("intake")
    await env.topics(settings)
    figures = _Figures(sizes.intake_seconds)
    failures: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="tousu-bench-intake-") as workdir:
        async with running_services(settings, ["intake", CEILING], Path(workdir)) as services:
            for _ in range(sizes.repeats):
                for load in sizes.intake_loads:
                    for name, case in CASES.items():
                        measured = await offer_load(_spec(services, name, load, sizes.intake_seconds))
                        record(measured, load, case, figures.of)
                        for kind, count in measured.failed.items():
                            failures[f"{case} {kind}"] = failures.get(f"{case} {kind}", 0) + count
    result.figures.extend(figures.values())
    _judge(result, figures, sizes.intake_loads)
    _explain(result, max(sizes.intake_loads), failures)
    return result


def _spec(services: RunningServices, name: str, load: int, seconds: float) -> LoadSpec:
    return LoadSpec(
        url=f"{services.urls[name]}/v1/complaints",
        token=services.channel_token,
        body=SUBMISSION,
        rate=load,
        seconds=seconds,
    )


def _judge(result: BenchResult, figures: _Figures, loads: Sequence[int]) -> None:
    for load in loads:
        result.ratio(
            f"{load}/s offered: intake / bare FastAPI (accepted/s)",
            figures[("intake", load, "accepted")],
            figures[("bare_fastapi", load, "accepted")],
            RATIO_TARGET,
        )
    for load in loads:
        result.bound(
            f"{load}/s offered: intake p99 latency (ms)",
            figures[("intake", load, "p99")],
            P99_TARGET_MS if load == P99_TARGET_LOAD else None,
        )


def _explain(result: BenchResult, top: int, failures: dict[str, int]) -> None:
    result.notes.append(
        "Open loop: requests are scheduled at fixed instants and latency counts from the scheduled "
        "instant, so a server (or client pool) that falls behind shows it as latency. Below saturation "
        "both systems accept what is offered and the ratio is ~1; the highest load "
        f"({top}/s) is meant to find the ceiling. The generator is one Python process (HTTP/1.1 on "
        "asyncio streams); at the highest loads it may be the limit for both systems, which its CPU "
        "figure shows."
    )
    if failures:
        result.notes.append(
            "Requests not accepted (status or error: count): "
            + ", ".join(f"{k}: {v}" for k, v in sorted(failures.items()))
        )


FigureOf = Callable[[str, int, str, str], Figure]
"""(case, offered load, what, unit) -> the figure collecting those runs."""


def record(measured: LoadResult, load: int, case: str, make: FigureOf) -> None:
    make(case, load, "accepted", "submissions/s").runs.append(measured.accepted_per_second)
    make(case, load, "p50", "ms").runs.append(percentile(measured.latencies_ms, 0.5))
    make(case, load, "p99", "ms").runs.append(percentile(measured.latencies_ms, 0.99))
    make(case, load, "generator_cpu", "% of a core").runs.append(
        100 * measured.cpu_seconds / measured.seconds
    )
