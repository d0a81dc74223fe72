"""`tousu bench`: the command-line entry point."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from shared.bench.runner import BenchOptions, run_bench


def options_from(args: argparse.Namespace) -> BenchOptions:
    preset = (
        "quick" if getattr(args, "quick", False) else "full" if getattr(args, "full", False) else "moderate"
    )
    return BenchOptions(
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
    try:
        asyncio.run(run_bench(options))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
