"""`tousu bench`: the command-line entry point."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from tooling.bench.runner import BenchOptions, run_bench


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The preset's sizes a reduced (or larger) run replaces: only the flags that were given."""
    overrides: dict[str, Any] = {}
    if getattr(args, "e2e_loads", None):
        overrides["e2e_loads"] = tuple(args.e2e_loads)
    for flag, name in (
        ("e2e_seconds", "e2e_seconds"),
        ("e2e_drain_seconds", "e2e_drain_seconds"),
        ("burst", "burst_requests"),
        ("burst_drain_seconds", "burst_drain_seconds"),
    ):
        if getattr(args, flag, None) is not None:
            overrides[name] = getattr(args, flag)
    return overrides


def options_from(args: argparse.Namespace) -> BenchOptions:
    preset = (
        "quick" if getattr(args, "quick", False) else "full" if getattr(args, "full", False) else "moderate"
    )
    return BenchOptions(
        overrides=overrides_from(args),
        preset=preset,
        only=list(getattr(args, "only", None) or []),
        repeats=getattr(args, "repeats", None),
        output=Path(getattr(args, "output", None) or "bench-results"),
        database_url=getattr(args, "database_url", None),
        kafka_bootstrap=getattr(args, "kafka_bootstrap", None),
    )


def cmd_bench(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    if getattr(args, "quick", False) and getattr(args, "full", False):
        print("error: choose one of --quick and --full", file=sys.stderr)
        return 2
    options = options_from(args)
    if options.repeats is not None and options.repeats < 1:
        print("error: --repeats must be at least 1", file=sys.stderr)
        return 2
    sizes = options.sizes
    if (
        any(load <= 0 for load in sizes.e2e_loads)
        or min(sizes.e2e_seconds, sizes.e2e_drain_seconds, sizes.burst_drain_seconds) <= 0
        or sizes.burst_requests < 1
    ):
        print("error: loads, seconds and the burst size must be positive", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_bench(options))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
