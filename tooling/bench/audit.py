"""Benchmark 8: audit checkpoints — signing the whole store, and verifying it against them.

The store grows between the sizes (the replay benchmark's), so the figures show whether both grow
linearly with the events. Cases per size:
* checkpoint_from_scratch: every event read in commit order, folded into the digest, signed and
  written (at most ``audit_checkpoint_max_events`` per file);
* verify_chains: ``PostgresEventStore.verify`` alone (what `tousu audit verify` did before);
* verify_against_checkpoints: `tousu audit verify --checkpoint DIR` — the chains, every file's
  signature and leaves, and the store's digest at every checkpoint.
Figures are µs per event: constant across sizes means linear time.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.keys import private_pem, public_pem
from shared.audit.maker import CheckpointMaker
from shared.audit.verify_store import verify_against_checkpoints
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tooling.bench.environment import BenchEnvironment, dsn
from tooling.bench.replay import grown
from tooling.bench.results import BenchResult, Figure
from tooling.bench.sizes import Sizes

CASES = (
    "checkpoint_from_scratch",
    "verify_chains",
    "verify_against_checkpoints",
    "checkpoint_from_scratch cpu",
    "verify_against_checkpoints cpu",
)
"""Wall time per event, then this process's CPU time per event (on a shared machine the wall
time also counts waiting for other work; the CPU time only ours)."""


def _per_event(seconds: float, events: int) -> float:
    return seconds * 1e6 / max(events, 1)


async def bench_audit(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult("audit", "8. Audit checkpoints: sign and verify the whole store (µs/event)")
    workdir = Path(tempfile.mkdtemp(prefix="tousu-bench-audit-"))
    key = Ed25519PrivateKey.generate()
    (workdir / "key.pem").write_bytes(private_pem(key))
    (workdir / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    base = await env.scratch("audit")
    engine = create_engine(base.database_url, pool_size=4, application_name="tousu-bench")
    store = PostgresEventStore(engine)
    conn = await asyncpg.connect(dsn(base.database_url))
    try:
        async for stored in grown(store, conn, sizes.replay_events):
            figures = {case: Figure(case, "µs/event", [], {"events": stored}) for case in CASES}
            for run in range(sizes.repeats):
                directory = workdir / f"checkpoints-{stored}-{run}"
                settings = base.model_copy(update={"audit_checkpoint_dir": directory})
                maker = CheckpointMaker(settings, engine, key)
                began, cpu = time.perf_counter(), time.process_time()
                async with maker.turn(wait=60):
                    await maker.make()
                figures["checkpoint_from_scratch"].runs.append(
                    _per_event(time.perf_counter() - began, stored)
                )
                figures["checkpoint_from_scratch cpu"].runs.append(
                    _per_event(time.process_time() - cpu, stored)
                )

                began = time.perf_counter()
                report = await store.verify()
                figures["verify_chains"].runs.append(_per_event(time.perf_counter() - began, stored))
                assert report.ok

                out = io.StringIO()
                began, cpu = time.perf_counter(), time.process_time()
                code = await verify_against_checkpoints(settings, directory, [workdir / "key.pub.pem"], out)
                figures["verify_against_checkpoints"].runs.append(
                    _per_event(time.perf_counter() - began, stored)
                )
                figures["verify_against_checkpoints cpu"].runs.append(
                    _per_event(time.process_time() - cpu, stored)
                )
                if code != 0:
                    raise RuntimeError(f"the untouched store did not verify:\n{out.getvalue()}")
                shutil.rmtree(directory)
            result.figures.extend(figures.values())
        if len(sizes.replay_events) > 1:
            last = result.figures[-1]
            first = result.figures[len(CASES) - 1]  # the same case at the first size
            result.notes.append(
                f"verify --checkpoint, CPU: {first.median:.1f} µs/event at {first.params['events']} events, "
                f"{last.median:.1f} at {last.params['events']}: time grows linearly with the events "
                "when these two are about equal."
            )
    finally:
        await conn.close()
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return result
