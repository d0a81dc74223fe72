"""`tousu import FILE --mapping MAPPING.yaml [--dry-run] [--json] [--batch N]`.

Exit status: 0 every row imported (or already there), 1 some rows refused (listed), 2 the mapping,
the file or the database is unusable (nothing imported), 130 interrupted (run it again to go on).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from services.intake.config import IntakeSettings
from services.intake.importing.mapping import MappingFileError, load_mapping
from services.intake.importing.progress import Progress
from services.intake.importing.rows import Refusal, history_policy
from services.intake.importing.run import Importer
from services.intake.importing.source import SourceError, count
from services.intake.importing.tally import Tally
from services.intake.policy import GradingPolicyError, load_policy
from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.privacy.config import PrivacySettings
from shared.settings import load_settings


def refusal_line(refusal: Refusal) -> str:
    return (
        f"row {refusal.row} [{refusal.row_id or '-'}] {refusal.field}: {refusal.code}: "
        f"{refusal.message} / {refusal.message_zh}"
    )


async def _run(importer: Importer, path: Path, tally: Tally, progress: Progress) -> None:
    try:
        await importer.run(path, tally, progress.update)
    finally:
        await importer.engine.dispose()


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        mapping = load_mapping(Path(args.mapping))
        policy = history_policy(load_policy(IntakeSettings().grading_file))
        total = count(path, mapping)
    except (MappingFileError, GradingPolicyError, SourceError) as error:
        print(error, file=sys.stderr)
        return 2
    if args.batch < 1:
        print("--batch must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings()
    engine = create_engine(
        settings.as_role("import").database_url, pool_size=2, application_name="tousu-import"
    )
    importer = Importer(
        engine,
        mapping,
        policy,
        ZoneInfo(mapping.timezone or settings.timezone),
        SystemClock(),
        PrivacySettings(),
        dry_run=args.dry_run,
        batch=args.batch,
    )
    tally = Tally(dry_run=args.dry_run, total=total)
    progress = Progress(sys.stderr)
    progress.start(total)
    try:
        asyncio.run(_run(importer, path, tally, progress))
    except KeyboardInterrupt:
        tally.interrupted = True
    except SourceError as error:
        print(error, file=sys.stderr)
        return 2
    except (DBAPIError, OSError) as error:
        print(f"cannot import into the database: {error}", file=sys.stderr)
        print("(is it running, and migrated? `tousu migrate`)", file=sys.stderr)
        return 2
    progress.finish(tally)
    if args.json:
        print(json.dumps(tally.as_dict(), ensure_ascii=False, indent=2))
    else:
        for refusal in tally.refusals:
            print(refusal_line(refusal))
        print(f"tousu import {path} (source {mapping.source}){' — dry run, nothing written' * args.dry_run}")
        print(tally.summary())
    if tally.interrupted:
        return 130
    return 1 if tally.refused else 0
