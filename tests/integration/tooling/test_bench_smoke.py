"""`tousu bench --quick` runs every benchmark end to end on the real backends and writes both
reports; no thresholds (figures at tiny sizes mean nothing), only that each figure was measured."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.backends import Backend, kafka_is_real_kafka
from tooling.bench.cli import options_from
from tooling.bench.pipeline import PROCESSES
from tooling.bench.runner import BENCHMARKS, BenchOptions, run_bench
from tooling.bench.sizes import MODERATE, QUICK
from tooling.cli import build_parser

pytestmark = pytest.mark.integration


async def test_quick_bench_measures_every_figure_and_writes_both_reports(
    postgres_backend: Backend, kafka_backend: Backend, tmp_path: Path
) -> None:
    options = BenchOptions(
        preset="quick",
        repeats=1,
        output=tmp_path,
        database_url=f"{postgres_backend.url}/postgres",
        kafka_bootstrap=kafka_backend.url,
        kafka_idempotence=kafka_is_real_kafka(kafka_backend),
    )
    run = await run_bench(options, progress=lambda _: None)

    assert [r.name for r in run.results] == list(BENCHMARKS)
    for result in run.results:
        assert result.figures, result.name
        for figure in result.figures:
            assert len(figure.runs) == 1
            assert math.isfinite(figure.median), (result.name, figure.as_dict())
            # a CPU share may round to nothing for an idle process; everything else was measured
            idle_may_be_zero = figure.unit.startswith("%") or figure.case.startswith("cpu")
            assert figure.median >= 0 if idle_may_be_zero else figure.median > 0, (
                result.name,
                figure.as_dict(),
            )
    append = next(r for r in run.results if r.name == "append")
    assert {f.case for f in append.figures} == {"tousu", "raw_asyncpg", "eventsourcing"}
    assert any(r.target is not None for r in append.ratios)
    intake = next(r for r in run.results if r.name == "intake")
    assert {f.case for f in intake.figures} >= {"intake accepted", "bare_fastapi accepted", "intake p99"}
    assert all(f.runs[0] > 0 for f in intake.figures if f.case.endswith("accepted"))
    e2e = next(r for r in run.results if r.name == "e2e")
    assert {f.case for f in e2e.figures} >= {
        "sustained_lifecycle",
        "intake_to_assigned_p99",
        "intake_to_sla_set_p99",
        "intake_to_visible_p99",
        "intake_to_all_four_p99",
        "cpu intake",
        "cpu routing",
        "cpu sla",
        "cpu_per_complaint total",
        *(f"cpu_per_complaint {name}" for name in PROCESSES),
    }
    assert e2e.figure("cpu_per_complaint total").median > 0
    burst = next(r for r in run.results if r.name == "burst")
    assert {f.case for f in burst.figures} >= {
        "accepted",
        "http_p50",
        "http_p99",
        "burst_end_to_last_assigned",
        "burst_end_to_last_sla_set",
        "burst_end_to_last_visible",
        "burst_end_to_last_all_four",
        "cpu_per_complaint total",
    }
    assert not any("not through all four milestones" in note for note in e2e.notes + burst.notes)

    document = json.loads(run.json_path.read_text(encoding="utf-8"))
    assert document["preset"] == "quick"
    assert document["machine"]["cores"] >= 1
    assert {r["name"] for r in document["results"]} == set(BENCHMARKS)
    markdown = run.markdown_path.read_text(encoding="utf-8")
    assert "tousu / raw asyncpg" in markdown and "relay / raw aiokafka" in markdown
    assert "intake / bare FastAPI" in markdown and "p99 intake→assigned" in markdown
    assert "p99 intake→visible" in markdown and "burst end → last complaint visible" in markdown
    assert (tmp_path / "latest.json").exists() and (tmp_path / "latest.md").exists()


async def test_the_scratch_databases_are_dropped(
    postgres_backend: Backend, kafka_backend: Backend, tmp_path: Path
) -> None:
    import asyncpg

    from tooling.bench.environment import dsn

    options = BenchOptions(
        preset="quick",
        only=["timers"],
        repeats=1,
        output=tmp_path,
        database_url=f"{postgres_backend.url}/postgres",
        kafka_bootstrap=kafka_backend.url,
        kafka_idempotence=kafka_is_real_kafka(kafka_backend),
    )
    run = await run_bench(options, progress=lambda _: None)
    assert run.databases
    conn = await asyncpg.connect(dsn(f"{postgres_backend.url}/postgres"))
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = ANY($1::text[])", run.databases
        )
    finally:
        await conn.close()
    assert left == 0


def test_the_command_line_maps_to_options() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--only", "append", "relay", "--repeats", "2"])
    options = options_from(args)
    assert (options.preset, options.only, options.repeats) == ("quick", ["append", "relay"], 2)
    assert options.output == Path("bench-results")
    assert options.sizes == replace(QUICK, repeats=2)


def test_a_reduced_run_replaces_the_presets_pipeline_sizes() -> None:
    assert (MODERATE.e2e_loads, MODERATE.burst_requests, MODERATE.burst_connections) == (
        (10, 50, 200, 500),
        2000,
        32,
    )
    args = build_parser().parse_args(
        ["bench", "--only", "e2e", "burst", "--e2e-loads", "10", "50", "--e2e-seconds", "4", "--burst", "300"]
    )
    sizes = options_from(args).sizes
    assert (sizes.e2e_loads, sizes.e2e_seconds, sizes.burst_requests) == ((10, 50), 4.0, 300)
    assert replace(
        sizes, e2e_loads=MODERATE.e2e_loads, e2e_seconds=MODERATE.e2e_seconds, burst_requests=2000
    ) == (MODERATE)
