"""`tousu import --dry-run` reports every row that would be refused — row number, row id, field,
reason in English and Chinese — and writes nothing; after the import it finds every row already
there, and a row changed since is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine
from tests.conftest import DatabaseFactory
from tests.support.history_register import HEADER, MAPPING, register, run_import

pytestmark = pytest.mark.integration


async def written(url: str) -> tuple[int, int]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            events = (await conn.execute(text("SELECT count(*) FROM events"))).scalar_one()
            keys = (await conn.execute(text("SELECT count(*) FROM intake_idempotency"))).scalar_one()
        return events, keys
    finally:
        await engine.dispose()


async def test_a_dry_run_reports_every_refusal_and_writes_nothing(
    new_database: DatabaseFactory, tmp_path: Path
) -> None:
    made = register(300, seed=7, refused_every=30)
    url = await new_database()
    # the same register as JSON lines, read by the sample mapping told so
    file = made.write_jsonl(tmp_path / "register.jsonl")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.read_text(encoding="utf-8").replace("format: csv", "format: jsonl"), "utf-8")

    dry = await run_import(url, file, "--mapping", mapping, "--dry-run", "--json")

    assert dry.code == 1, dry.err
    summary = dry.summary
    assert summary["dry_run"] is True
    assert summary["imported"] == made.valid  # would import
    assert summary["refused"] == sum(made.refused.values()) == 10
    assert summary["by_reason"] == dict(sorted(made.refused.items()))
    for refusal in summary["refusals"]:
        record = made.rows[refusal["row"] - 1]
        assert refusal["row_id"] == record["编号"]
        assert refusal["field"] and refusal["code"] in made.refused
        assert refusal["message"] and refusal["message_zh"]
    assert await written(url) == (0, 0)

    plain = await run_import(url, file, "--mapping", mapping, "--dry-run")
    assert plain.code == 1
    first = summary["refusals"][0]
    assert f"row {first['row']} [{first['row_id']}] {first['field']}: {first['code']}: " in plain.out
    assert "dry run, nothing written" in plain.out
    assert f"would import 可导入: {made.valid}\n" in plain.out
    assert f"refused 拒绝导入: {summary['refused']}\n" in plain.out


async def test_after_the_import_a_dry_run_finds_every_row_there(
    new_database: DatabaseFactory, tmp_path: Path
) -> None:
    made = register(60, seed=3, refused_every=1000)
    url = await new_database()
    file = made.write_csv(tmp_path / "register.csv")
    done = await run_import(url, file, "--mapping", MAPPING, "--json")
    assert done.code == 0, done.err
    assert done.summary["imported"] == 60

    changed = made.rows[4]
    changed["处理结果"] = "后来补录的处理结果"
    made.write_csv(file)
    dry = await run_import(url, file, "--mapping", MAPPING, "--dry-run", "--json")
    summary = dry.summary
    assert (summary["imported"], summary["already_there"], summary["refused"]) == (0, 59, 1)
    [reused] = summary["refusals"]
    assert (reused["row"], reused["row_id"], reused["code"]) == (5, changed["编号"], "row_id_reused")
    assert HEADER[0] == "编号"
