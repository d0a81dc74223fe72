"""Benchmark 7: a burst — submissions offered as fast as a fixed number of connections allow,
into the five running services, and how long the pipeline then takes to catch up.

The five services run as in benchmark 5 (``tousu serve NAME`` under the stack's supervisor, on a
scratch database and topics of their own; in the quick preset, the very stack benchmark 5 used).
The generator (:mod:`tooling.bench.loadgen`, its own process) runs a *closed loop*: each of its
connections sends the next submission as soon as the previous one was answered, until all were
sent. That measures how fast intake accepts when pushed (accepted/s; HTTP latency from sending,
p50/p99) while the rest of the pipeline works through the backlog the burst leaves: the time
from the end of the burst (the last answer) until the last complaint is assigned, has its SLA
clock and is visible in analytics. The milestones are those of :mod:`tooling.bench.pipeline`,
from the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tooling.bench.environment import BenchEnvironment
from tooling.bench.loadgen import offer_load, percentile
from tooling.bench.pipeline import (
    CPU_NOTE,
    MILESTONES,
    Pipeline,
    cpu_figures,
    five_services,
    milestones,
    settle,
    wait_until_done,
    wait_until_quiet,
)
from tooling.bench.results import BenchResult, Figure
from tooling.bench.services import CpuMeter
from tooling.bench.sizes import Sizes

VISIBLE_TARGET_SECONDS = 20.0
"""The burst's last complaint visible in analytics within this long after the burst's end."""


class _Figures(dict[str, Figure]):
    """The benchmark's figures by case, each made on first use."""

    def __init__(self, params: dict[str, int]) -> None:
        super().__init__()
        self.params = params

    def of(self, case: str, unit: str) -> Figure:
        if case not in self:
            self[case] = Figure(case, unit, [], self.params)
        return self[case]


@dataclass
class _Shortfalls:
    """What went wrong over the bursts, for the notes."""

    incomplete: int = 0
    not_quiet: int = 0
    failures: dict[str, int] = field(default_factory=dict)


async def bench_burst(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    count, connections = sizes.burst_requests, sizes.burst_connections
    result = BenchResult(
        "burst",
        f"7. Burst: {count:,} submissions, closed loop over {connections} connections, "
        "into the five running services",
    )
    figures = _Figures({"submissions": count, "connections": connections})
    shortfalls = _Shortfalls()
    async with five_services(env, "burst", share=sizes.share_services) as pipeline:
        if pipeline.loads:  # a stack shared with an earlier benchmark: its backlog first
            await settle(pipeline, sizes.burst_drain_seconds, result)
        for repeat in range(sizes.burst_repeats):
            numbers = await _burst(pipeline, sizes, figures, shortfalls)
            if repeat < sizes.burst_repeats - 1 and not await wait_until_quiet(
                pipeline.conn, numbers, time.monotonic() + sizes.burst_drain_seconds
            ):
                shortfalls.not_quiet += 1
    result.figures.extend(figures.values())
    _judge(result, figures)
    _explain(result, sizes, shortfalls)
    return result


async def _burst(pipeline: Pipeline, sizes: Sizes, figures: _Figures, shortfalls: _Shortfalls) -> list[str]:
    """One burst and its drain, recorded in ``figures`` and ``shortfalls``: the complaints offered."""
    cpu_before = await pipeline.meter.sample()
    began = time.monotonic()
    measured = await offer_load(
        pipeline.load(
            rate=0.0,
            seconds=0.0,
            connections=sizes.burst_connections,
            warmup=5,
            closed_loop=True,
            requests=sizes.burst_requests,
        )
    )
    numbers = pipeline.offered(measured)
    for kind, n in measured.failed.items():
        shortfalls.failures[kind] = shortfalls.failures.get(kind, 0) + n
    await wait_until_done(pipeline.conn, numbers, time.monotonic() + sizes.burst_drain_seconds)
    window = time.monotonic() - began
    cpu_after = await pipeline.meter.sample()
    gave_up_at = time.time()
    reached = await milestones(pipeline.conn, numbers)
    completed = reached.completed()
    shortfalls.incomplete += len(numbers) - len(completed)

    figures.of("accepted", "submissions/s").runs.append(measured.accepted_per_second)
    figures.of("http_p50", "ms").runs.append(percentile(measured.latencies_ms, 0.5))
    figures.of("http_p99", "ms").runs.append(percentile(measured.latencies_ms, 0.99))
    figures.of("burst_duration", "s").runs.append(measured.seconds)
    for milestone in (*MILESTONES, "all_four"):
        at = completed if milestone == "all_four" else reached.of(milestone)
        last = (
            max(t.timestamp() for t in at.values())
            if at and len(at) == len(numbers)
            else gave_up_at  # not all got there: a lower bound
        )
        figures.of(f"burst_end_to_last_{milestone}", "s").runs.append(last - measured.ended_at)
    used = {**CpuMeter.used(cpu_before, cpu_after), "loadgen": measured.cpu_seconds}
    for case, unit, value in cpu_figures(used, window, len(completed)):
        figures.of(case, unit).runs.append(value)
    return numbers


def _judge(result: BenchResult, figures: _Figures) -> None:
    result.bound(
        "burst end → last complaint visible in analytics (s)",
        figures["burst_end_to_last_visible"],
        VISIBLE_TARGET_SECONDS,
    )
    result.bound("burst end → last complaint assigned (s)", figures["burst_end_to_last_assigned"], None)
    result.bound("burst end → last SLA clock set (s)", figures["burst_end_to_last_sla_set"], None)
    result.bound(
        "burst end → last complaint through all four milestones (s)",
        figures["burst_end_to_last_all_four"],
        None,
    )


def _explain(result: BenchResult, sizes: Sizes, shortfalls: _Shortfalls) -> None:
    connections = sizes.burst_connections
    result.notes.append(
        f"Closed loop: {connections} connections, each sending its next submission as soon as the "
        "previous one was answered; accepted/s = accepted / (first send → last answer), HTTP latency "
        "from sending. The burst ends at the last answer; the milestones (assigned = ComplaintAssigned's "
        "recorded_at, SLA set = the first-response clock row's created_at, visible = the analytics row's "
        "created_at) are database clock instants, so 'burst end → last …' compares the generator's clock "
        "with the database's, both this machine's. Analytics makes its row from ComplaintReceived, in "
        "parallel with routing, so the last complaint may be visible before it is assigned; 'all four' "
        "is the last complaint to have all of them."
    )
    result.notes.append(CPU_NOTE)
    incomplete, not_quiet, failures = shortfalls.incomplete, shortfalls.not_quiet, shortfalls.failures
    if incomplete:
        result.notes.append(
            f"{incomplete} complaint(s) not through all four milestones {sizes.burst_drain_seconds:g} s "
            "after a burst: 'burst end → last …' counts up to then (a lower bound)."
        )
    if not_quiet:
        result.notes.append(
            f"The pipeline was not quiet {sizes.burst_drain_seconds:g} s after {not_quiet} burst(s), so "
            "the next one started with a backlog."
        )
    if failures:
        result.notes.append(
            "Submissions not accepted (status or error: count): "
            + ", ".join(f"{k}: {v}" for k, v in sorted(failures.items()))
        )
