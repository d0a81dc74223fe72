"""A whole history file: every row prepared, then (unless a dry run) received, in batches.

Rows are received ``batch`` at a time in one transaction, each in a savepoint, so a refused row is
rolled back alone. A batch commits whole or not at all: an interrupted run (Ctrl-C, a lost
connection) leaves only whole rows behind, and running it again skips them (their row ids are
known) and goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.importing import source as files
from services.intake.importing.mapping import ImportMapping
from services.intake.importing.rows import Prepared, Refusal, prepare
from services.intake.importing.submit import Refused, known, row_id_reused, submit
from services.intake.importing.tally import Tally
from services.intake.policy import GradingPolicy
from services.intake.submit import Submissions
from shared.clock import Clock
from shared.eventstore import PostgresEventStore
from shared.privacy.config import PrivacySettings

Observer = Callable[[Tally], None]


def duplicate_row(prepared: Prepared, first: int) -> Refusal:
    return Refusal(
        prepared.row,
        prepared.row_id,
        "row_id",
        "duplicate_row_id",
        f"the same row id as row {first} of this file",
        f"与本文件第 {first} 行的行编号相同",
    )


@dataclass
class Importer:
    engine: AsyncEngine
    mapping: ImportMapping
    policy: GradingPolicy
    """The intake policy as it applies to history (rows.history_policy)."""
    zone: ZoneInfo
    clock: Clock
    privacy: PrivacySettings
    dry_run: bool = False
    batch: int = 100

    async def run(self, path: Path, tally: Tally, observe: Observer = lambda tally: None) -> Tally:
        """Import (or check) every row of ``path`` into ``tally``, calling ``observe`` after each."""
        tally.dry_run = self.dry_run
        now = self.clock.now()
        submissions = Submissions(
            PostgresEventStore(self.engine), self.policy, self.clock, self.zone, privacy=self.privacy
        )  # no duplicate links for history
        first_row: dict[str, int] = {}
        for chunk in _chunks(files.records(path, self.mapping), self.batch):
            ready: list[Prepared] = []
            for record in chunk:
                result = prepare(record, self.mapping, self.policy, self.zone, now)
                if isinstance(result, list):
                    tally.refuse(result)
                    tally.read += 1
                    observe(tally)
                    continue
                if result.row_id in first_row:
                    tally.refuse([duplicate_row(result, first_row[result.row_id])])
                    tally.read += 1
                    observe(tally)
                    continue
                first_row[result.row_id] = result.row
                ready.append(result)
            if ready:
                await self._receive(submissions, ready, tally, observe)
        tally.refusals.sort(key=lambda refusal: refusal.row)
        return tally

    async def _receive(
        self, submissions: Submissions, ready: list[Prepared], tally: Tally, observe: Observer
    ) -> None:
        results: list[Refusal | bool] = []  # per row: its refusal, or whether it was already there
        async with self.engine.begin() as conn:
            hashes = await known(conn, self.mapping.source, [p.row_id for p in ready])
            for prepared in ready:
                digest = hashes.get(prepared.row_id)
                if digest is not None:
                    results.append(True if digest == prepared.digest else row_id_reused(prepared))
                elif self.dry_run:
                    results.append(False)
                else:
                    results.append(await self._submit(conn, submissions, prepared))
        # counted once the batch is committed: an interrupted batch counts nothing
        for result in results:
            if isinstance(result, Refusal):
                tally.refuse([result])
            elif result:
                tally.already_there += 1
            else:
                tally.imported += 1
            tally.read += 1
            observe(tally)

    async def _submit(
        self, conn: AsyncConnection, submissions: Submissions, prepared: Prepared
    ) -> Refusal | bool:
        """One row in a savepoint of the batch's transaction, rolled back alone when refused."""
        try:
            async with conn.begin_nested():
                received = await submit(conn, submissions, prepared, source=self.mapping.source)
        except Refused as refused:
            return refused.refusal
        return received.already_there


def _chunks(records: Iterator[files.Record], size: int) -> Iterator[list[files.Record]]:
    while chunk := list(islice(records, size)):
        yield chunk
