"""How big each benchmark runs: --quick (CI smoke), the default (moderate) and --full."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    repeats: int
    """Runs per figure; each figure is their median."""
    writers: tuple[int, ...]
    """Concurrent writers of the append benchmark."""
    append_events: int
    """Events each append run stores (per system, per writer count)."""
    batch: int
    """Events per transaction in the batched append case."""
    replay_events: tuple[int, ...]
    """Store sizes the replay benchmark reads (a curve: the store grows between points)."""
    relay_events: tuple[int, ...]
    """Backlogs the outbox relay drains."""
    open_deadlines: tuple[int, ...]
    """Open SLA deadlines present while due timers fire."""
    due_timers: int
    """Timers due at once in each firing run."""
    intake_loads: tuple[int, ...]
    """Offered submissions/s of the intake HTTP benchmark (the last one meant to saturate)."""
    intake_seconds: float
    """How long each intake load is offered."""
    e2e_loads: tuple[int, ...]
    """Offered complaints/s of the end-to-end benchmark."""
    e2e_seconds: float
    """How long each end-to-end load is offered."""
    e2e_repeats: int
    """Runs per end-to-end figure (each needs the pipeline drained, so fewer than ``repeats``)."""
    e2e_drain_seconds: float
    """Longest wait, after the load, for the last complaint to be visible in analytics with its SLA
    clock (and again for the pipeline to be quiet before the next load)."""
    burst_requests: int
    """Submissions of the burst benchmark, offered as fast as ``burst_connections`` allow."""
    burst_connections: int
    """Connections of the burst's closed loop."""
    burst_repeats: int
    """Bursts per figure (each needs the pipeline drained)."""
    burst_drain_seconds: float
    """Longest wait, after the burst, for its last complaint to be visible in analytics."""
    share_services: bool = False
    """Benchmarks 5 and 7 use one running stack of the five services (started once per run, the
    burst after the end-to-end loads) instead of each starting its own."""


QUICK = Sizes(
    repeats=2,
    writers=(1, 8),
    append_events=40,
    batch=10,
    replay_events=(100, 300),
    relay_events=(100,),
    open_deadlines=(100, 1_000),
    due_timers=5,
    intake_loads=(20, 50),
    intake_seconds=1.0,
    e2e_loads=(10,),
    e2e_seconds=1.0,
    e2e_repeats=1,
    e2e_drain_seconds=30.0,
    burst_requests=100,
    burst_connections=32,
    burst_repeats=1,
    burst_drain_seconds=60.0,
    share_services=True,
)
MODERATE = Sizes(
    repeats=3,
    writers=(1, 8, 32),
    append_events=1_000,
    batch=10,
    replay_events=(10_000, 50_000),
    relay_events=(5_000, 20_000),
    open_deadlines=(10_000, 100_000, 1_000_000),
    due_timers=100,
    intake_loads=(100, 250, 500, 1000),
    intake_seconds=5.0,
    e2e_loads=(10, 50, 200, 500),
    e2e_seconds=10.0,
    e2e_repeats=2,
    e2e_drain_seconds=120.0,
    burst_requests=2_000,
    burst_connections=32,
    burst_repeats=2,
    burst_drain_seconds=180.0,
)
FULL = Sizes(
    repeats=5,
    writers=(1, 8, 32),
    append_events=5_000,
    batch=10,
    replay_events=(100_000, 1_000_000),
    relay_events=(20_000, 100_000),
    open_deadlines=(10_000, 100_000, 1_000_000),
    due_timers=500,
    intake_loads=(100, 250, 500, 1000, 2000),
    intake_seconds=15.0,
    e2e_loads=(10, 50, 200, 500),
    e2e_seconds=30.0,
    e2e_repeats=3,
    e2e_drain_seconds=300.0,
    burst_requests=2_000,
    burst_connections=32,
    burst_repeats=3,
    burst_drain_seconds=300.0,
)

PRESETS = {"quick": QUICK, "moderate": MODERATE, "full": FULL}
