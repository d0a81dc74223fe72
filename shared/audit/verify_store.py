"""`tousu audit verify --checkpoint`: the chains, the checkpoints, and the store against them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.audit.chain_of_checkpoints import check_checkpoints
from shared.audit.checkpoint import CheckpointFile, CheckpointFileError, checkpoint_files, read_file
from shared.audit.findings import Finding, Kind
from shared.audit.keys import AuditKeyError, key_id, load_public_key
from shared.audit.store_compare import capped, compare_store
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.settings import Settings, database_label


def public_keys(paths: Sequence[Path]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for path in paths:
        key = load_public_key(path)
        keys[key_id(key)] = key
    return keys


def load_checkpoints(path: Path) -> list[CheckpointFile]:
    """One checkpoint file (or a message kept from the topic), or every one in a directory."""
    if path.is_dir():
        files = checkpoint_files(path)
        if not files:
            raise CheckpointFileError(f"{path} holds no checkpoint files (NNNNNN.json)")
        return [read_file(p) for p in files]
    return [read_file(path)]


async def verify_against_checkpoints(
    settings: Settings, checkpoint: Path, key_files: Sequence[Path], out: TextIO
) -> int:
    try:
        keys = public_keys(key_files)
        files = load_checkpoints(checkpoint)
    except (AuditKeyError, CheckpointFileError) as error:
        print(f"cannot verify: {error}", file=out)
        return 2
    findings, reference = check_checkpoints(files, keys)
    engine = create_engine(settings.database_url, pool_size=2, application_name="tousu-audit")
    try:
        report = await PostgresEventStore(engine).verify()
        print(f"store {database_label(settings.database_url)}", file=out)
        chains = "ok" if report.ok else f"{len(report.broken)} broken"
        print(
            f"chains: {report.events_checked} events in {report.streams_checked} streams, {chains}", file=out
        )
        findings += [Finding(Kind.ALTERED, str(link)) for link in report.broken]
        comparison = None
        if reference is not None:
            latest, zone = reference.latest.checkpoint, ZoneInfo(settings.timezone)
            signed = latest.signed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
            print(
                f"checkpoint: {reference.latest.name}, number {latest.sequence}, signed "
                f"{signed} with key {latest.key_id}, covers "
                f"{latest.event_count} events up to position {latest.position.global_position} "
                f"(transaction {latest.position.tx_id})",
                file=out,
            )
            comparison = await compare_store(engine, reference, {link.stream_id for link in report.broken})
            findings += comparison.findings
        else:
            findings.append(Finding(Kind.FORGED, "no checkpoint given verifies with the public keys given"))
    finally:
        await engine.dispose()
    for finding in capped(findings):
        print(finding.line(), file=out)
    if findings:
        print(f"FAILED: {len(findings)} finding(s)", file=out)
        return 1
    assert reference is not None and comparison is not None
    latest = reference.latest.checkpoint
    print(
        f"ok: the store matches checkpoint {latest.sequence} ({comparison.covered_in_store} events); "
        f"{comparison.after_checkpoint} events recorded after it are protected by their chains only",
        file=out,
    )
    return 0
