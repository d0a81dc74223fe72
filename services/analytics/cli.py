"""`tousu analytics rebuild`: rebuild the read models from zero by replaying the event store.

Safe while the analytics service runs: its consumers wait for the rebuild, then carry on. An
interrupted rebuild resumes where it stopped when run again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.analytics.config import AnalyticsConfig
from services.analytics.rebuild import RebuildReport, rebuild
from shared.db.engine import create_engine
from shared.settings import Settings, load_settings


async def run_rebuild(settings: Settings, batch: int) -> RebuildReport:
    engine = create_engine(settings.database_url, pool_size=2, application_name="tousu-analytics-rebuild")

    async def progress(report: RebuildReport) -> None:
        print(f"  {report.events} events replayed (position {report.position})", file=sys.stderr)

    try:
        return await rebuild(engine, batch=batch, on_batch=progress)
    finally:
        await engine.dispose()


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Rebuild; `args.batch` (optional) overrides TOUSU_ANALYTICS_REBUILD_BATCH."""
    batch = getattr(args, "batch", None) or AnalyticsConfig().rebuild_batch
    if batch < 1:
        print("--batch must be at least 1", file=sys.stderr)
        return 2
    report = asyncio.run(run_rebuild(load_settings(), batch))
    how = "resumed" if report.resumed else "rebuilt from zero"
    print(f"analytics read models {how}: {report.events} events in {report.batches} batches")
    return 0
