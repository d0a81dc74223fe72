"""`tousu analytics rebuild`: rebuild the read models from zero by replaying the event store.

Safe while the analytics service runs: its consumers wait for the rebuild, then carry on. An
interrupted rebuild resumes where it stopped when run again.

A rebuild TRUNCATEs tables, so it first says which database it rebuilds and refuses one that is
not a tousu store at this version of the code (never migrated by tousu, no event store, or at
another migration): a mistyped URL must not empty someone else's tables.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.config import AnalyticsConfig
from services.analytics.rebuild import RebuildReport, rebuild
from shared.db.engine import create_engine
from shared.db.migrate import alembic_config
from shared.settings import Settings, database_label, load_settings

PROGRAM = "tousu analytics rebuild"

READ_MODELS = ("analytics_complaints", "analytics_timeline")

INSPECT = text(
    "SELECT to_regclass('alembic_version') IS NOT NULL AS migrated, "
    "to_regclass('events') IS NOT NULL AS events, "
    "to_regclass('follower_checkpoints') IS NOT NULL AS checkpoints, "
    "to_regclass('analytics_complaints') IS NOT NULL AND to_regclass('analytics_timeline') IS NOT NULL "
    "AS read_models"
)


class NotATousuStore(Exception):
    """The database is not one this version of tousu can rebuild; nothing was changed."""

    def __init__(self, database: str, reason: str, reason_zh: str) -> None:
        super().__init__(f"{database} {reason}")
        self.database = database
        self.reason = reason
        self.reason_zh = reason_zh


def expected_revisions(settings: Settings) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())


async def check_store(engine: AsyncEngine, settings: Settings) -> None:
    """Raise :class:`NotATousuStore` unless the database holds a tousu event store migrated to
    this code's migrations (so the tables a rebuild truncates are the ones it means)."""
    where = database_label(settings.database_url)
    async with engine.connect() as conn:
        found = (await conn.execute(INSPECT)).one()
        versions = (
            set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
            if found.migrated
            else set()
        )
    if not found.migrated:
        raise NotATousuStore(
            where,
            "is not a tousu store: it has no migrations table (alembic_version), so tousu never migrated it",
            "不是 tousu 数据库：没有迁移表（alembic_version），从未由 tousu 迁移",
        )
    if not (found.events and found.checkpoints):
        raise NotATousuStore(
            where,
            "is not a tousu store: it has a migrations table but no event store (events)",
            "不是 tousu 数据库：有迁移表，但没有事件存储（events 表）",
        )
    expected = expected_revisions(settings)
    if versions != expected or not found.read_models:
        at, wanted = ", ".join(sorted(versions)) or "none", ", ".join(sorted(expected))
        raise NotATousuStore(
            where,
            f"is at migration {at}, this version of tousu expects {wanted}: run `tousu migrate` "
            "(with the same tousu) first",
            f"的迁移版本为 {at}，本版本 tousu 需要 {wanted}：请先运行 `tousu migrate`",
        )


async def run_rebuild(
    settings: Settings, batch: int, say: Callable[[str], None] | None = None
) -> RebuildReport:
    """Check the database is a tousu store, say which one, rebuild it."""
    engine = create_engine(
        settings.as_role("analytics").database_url, pool_size=2, application_name="tousu-analytics-rebuild"
    )

    async def progress(report: RebuildReport) -> None:
        print(f"  {report.events} events replayed (position {report.position})", file=sys.stderr)

    try:
        await check_store(engine, settings)
        if say is not None:
            say(f"rebuilding the analytics read models of {database_label(settings.database_url)}")
        return await rebuild(engine, batch=batch, on_batch=progress)
    finally:
        await engine.dispose()


def _cause(exc: BaseException) -> BaseException:
    """The driver's own error (asyncpg's, e.g. InvalidCatalogNameError) under SQLAlchemy's wrapping."""
    reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return reason.__cause__ if isinstance(reason.__cause__, asyncpg.PostgresError) else reason


def _stderr(line: str) -> None:
    print(f"{PROGRAM}: {line}", file=sys.stderr)


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Rebuild; `args.batch` (optional) overrides TOUSU_ANALYTICS_REBUILD_BATCH."""
    batch = getattr(args, "batch", None) or AnalyticsConfig().rebuild_batch
    if batch < 1:
        print("--batch must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings()
    where = database_label(settings.database_url)
    try:
        report = asyncio.run(run_rebuild(settings, batch, say=_stderr))
    except NotATousuStore as refused:
        _stderr(f"refusing: {refused}; nothing was changed")
        _stderr(f"拒绝执行：{refused.database} {refused.reason_zh}；未做任何更改")
        return 1
    except (OSError, asyncpg.PostgresError, DBAPIError) as exc:
        reason = _cause(exc)
        _stderr(f"cannot use the database {where}: {type(reason).__name__}: {reason}")
        return 1
    how = "resumed" if report.resumed else "rebuilt from zero"
    print(f"analytics read models {how}: {report.events} events in {report.batches} batches")
    return 0
