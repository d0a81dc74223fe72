"""Benchmark 5: end to end — all five services running, complaints offered over HTTP at fixed rates.

The five services run as `tousu up` runs them (``tousu serve NAME`` under the stack's supervisor,
each its own process) against one scratch database and the run's topics. The open-loop generator
(:mod:`tooling.bench.loadgen`, its own process) submits complaints to intake; each one then goes
received → assigned → SLA set → visible in analytics (:mod:`tooling.bench.pipeline`): the
automatic part of "the whole lifecycle", with no person involved. Feedback consumes the same
events at the same time and shares the machine.

Times come from the store, not from polling: each milestone is the database's clock at the
INSERT that made it (ComplaintAssigned's ``recorded_at``, the first-response clock's and the
analytics row's ``created_at``). Latencies count from the instant the submission was
*scheduled* by the generator. Sustained complaints/s = complaints through all four milestones /
(the last of them to get there − the first scheduled instant). CPU is measured over the load and
its drain (until the last complaint is visible, or the drain gives up) and divided by the
complaints that got through: CPU per sustained complaint.
"""

from __future__ import annotations

import time

import psutil

from tooling.bench.environment import BenchEnvironment
from tooling.bench.loadgen import LoadResult, offer_load, percentile
from tooling.bench.pipeline import (
    CPU_NOTE,
    MILESTONES,
    Milestones,
    Pipeline,
    cpu_figures,
    five_services,
    milestones,
    ms_since,
    settle,
    wait_until_done,
    wait_until_quiet,
)
from tooling.bench.results import BenchResult, Figure, Ratio
from tooling.bench.services import CpuMeter
from tooling.bench.sizes import Sizes

SUSTAINED_TARGET = 150.0
"""Complaints/s through all four milestones (the best offered load's)."""
P99_TARGET_LOAD = 50
P99_ASSIGNED_TARGET_MS = 500.0
P99_VISIBLE_TARGET_MS = 1000.0
CPU_TARGET_MS = 12.0
"""CPU of every process together per sustained complaint (at the best offered load)."""


class _Figures(dict[tuple[str, int], Figure]):
    """The benchmark's figures by case and offered load, each made on first use."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def of(self, case: str, load: int, unit: str) -> Figure:
        if (case, load) not in self:
            self[(case, load)] = Figure(case, unit, [], {"offered_per_s": load, "seconds": self.seconds})
        return self[(case, load)]


async def bench_end_to_end(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult(
        "e2e", "5. End to end, five services (received → assigned → SLA set → visible in analytics)"
    )
    figures = _Figures(sizes.e2e_seconds)
    incomplete: dict[int, int] = {}
    not_quiet: dict[int, int] = {}
    runs = [load for _ in range(sizes.e2e_repeats) for load in sizes.e2e_loads]
    async with five_services(env, "e2e", share=sizes.share_services) as pipeline:
        if pipeline.loads:  # a stack shared with an earlier benchmark: its backlog first
            await settle(pipeline, sizes.e2e_drain_seconds, result)
        for run, load in enumerate(runs):
            numbers, missed = await _run(pipeline, load, sizes, figures)
            incomplete[load] = incomplete.get(load, 0) + missed
            if run < len(runs) - 1 and not await wait_until_quiet(
                pipeline.conn, numbers, time.monotonic() + sizes.e2e_drain_seconds
            ):
                not_quiet[load] = not_quiet.get(load, 0) + 1
    result.figures.extend(figures.values())
    _judge(result, figures, sizes)
    _explain(result, sizes, incomplete, not_quiet)
    return result


async def _run(pipeline: Pipeline, load: int, sizes: Sizes, figures: _Figures) -> tuple[list[str], int]:
    """One offered load, then its drain, recorded in ``figures``: the complaints offered, and how
    many of them did not get through all four milestones."""
    cpu_before = await pipeline.meter.sample()
    psutil.cpu_percent()
    began = time.monotonic()
    measured = await offer_load(pipeline.load(rate=load, seconds=sizes.e2e_seconds, warmup=5))
    numbers = pipeline.offered(measured)
    await wait_until_done(pipeline.conn, numbers, time.monotonic() + sizes.e2e_drain_seconds)
    window = time.monotonic() - began
    busy = psutil.cpu_percent()
    cpu_after = await pipeline.meter.sample()
    gave_up_at = time.time()
    reached = await milestones(pipeline.conn, numbers)
    completed = reached.completed()

    figures.of("http_accepted", load, "complaints/s").runs.append(measured.accepted_per_second)
    figures.of("http_p50", load, "ms").runs.append(percentile(measured.latencies_ms, 0.5))
    figures.of("http_p99", load, "ms").runs.append(percentile(measured.latencies_ms, 0.99))
    first = min((s for _, s in measured.numbers), default=0.0)
    last = max((at.timestamp() for at in completed.values()), default=first)
    figures.of("sustained_lifecycle", load, "complaints/s").runs.append(
        len(completed) / (last - first) if last > first else 0.0
    )
    _record_milestone_latencies(figures, load, measured, reached, gave_up_at)
    figures.of("machine_cpu_busy", load, "% of all cores").runs.append(busy)
    used = {**CpuMeter.used(cpu_before, cpu_after), "loadgen": measured.cpu_seconds}
    for case, unit, value in cpu_figures(used, window, len(completed)):
        figures.of(case, load, unit).runs.append(value)
    return numbers, len(numbers) - len(completed)


def _record_milestone_latencies(
    figures: _Figures, load: int, measured: LoadResult, reached: Milestones, gave_up_at: float
) -> None:
    """p50 and p99 from scheduling to each milestone (to ``gave_up_at`` for a complaint that
    never got there: a lower bound)."""
    completed = reached.completed()
    for milestone in (*MILESTONES, "all_four"):
        at = completed if milestone == "all_four" else reached.of(milestone)
        latencies = [
            ms_since(at[no], scheduled) if no in at else (gave_up_at - scheduled) * 1000
            for no, scheduled in measured.numbers
        ]
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            figures.of(f"intake_to_{milestone}_{name}", load, "ms").runs.append(
                percentile(latencies, fraction)
            )


def _judge(result: BenchResult, figures: _Figures, sizes: Sizes) -> None:
    """The targets: sustained rate and CPU at the best offered load, p99 latencies at
    P99_TARGET_LOAD; the other loads' figures listed unjudged."""
    best = max(sizes.e2e_loads, key=lambda load: figures[("sustained_lifecycle", load)].median)
    result.ratios.append(
        Ratio(
            f"best sustained complaints/s through all four milestones ({best}/s offered; target absolute)",
            figures[("sustained_lifecycle", best)].median,
            SUSTAINED_TARGET,
        )
    )
    result.bound(
        f"{best}/s offered: CPU per sustained complaint, all processes (ms)",
        figures[("cpu_per_complaint total", best)],
        CPU_TARGET_MS,
    )
    for load in sizes.e2e_loads:
        result.ratio(
            f"{load}/s offered: sustained / offered",
            figures[("sustained_lifecycle", load)],
            Figure("offered", "complaints/s", [float(load)]),
        )
    for load in sizes.e2e_loads:
        target = load == P99_TARGET_LOAD
        result.bound(
            f"{load}/s offered: p99 intake→assigned (ms)",
            figures[("intake_to_assigned_p99", load)],
            P99_ASSIGNED_TARGET_MS if target else None,
        )
        result.bound(
            f"{load}/s offered: p99 intake→visible (ms)",
            figures[("intake_to_visible_p99", load)],
            P99_VISIBLE_TARGET_MS if target else None,
        )


def _explain(
    result: BenchResult, sizes: Sizes, incomplete: dict[int, int], not_quiet: dict[int, int]
) -> None:
    result.notes.append(
        "Milestones: received (intake's 2xx) → assigned (ComplaintAssigned's recorded_at) → SLA set (the "
        "first-response clock row's created_at) → visible in analytics (the analytics_complaints row's "
        "created_at); each is the database clock at the INSERT. Analytics makes its row from "
        "ComplaintReceived, in parallel with routing, so 'visible' may come before 'assigned'; "
        "'intake_to_all_four' is the latest of the three. Latencies count from the instant the "
        "generator scheduled the submission. Sustained = complaints through all four / (the last of them "
        "to get there − the first scheduled instant); the sustained and CPU targets are checked at the "
        "offered load with the best sustained rate."
    )
    result.notes.append(CPU_NOTE)
    if any(incomplete.values()):
        result.notes.append(
            f"Complaints not through all four milestones {sizes.e2e_drain_seconds:g} s after the load ended "
            "(their latency counted up to then, a lower bound): "
            + ", ".join(f"{load}/s: {count}" for load, count in incomplete.items() if count)
        )
    if any(not_quiet.values()):
        result.notes.append(
            f"The pipeline was not quiet {sizes.e2e_drain_seconds:g} s after these loads, so the next "
            "load started with a backlog: "
            + ", ".join(f"{load}/s: {count}×" for load, count in not_quiet.items())
        )
