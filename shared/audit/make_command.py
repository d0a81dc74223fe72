"""`tousu audit checkpoint`: sign checkpoints of the store now, write and publish them."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TextIO

from shared.audit.keys import AuditKeyError, load_signing_key
from shared.audit.maker import CheckpointChainError, CheckpointMaker, kafka_publisher
from shared.db.engine import create_engine
from shared.messaging.producer import make_producer
from shared.settings import Settings

NO_KEY = (
    "no audit signing key is configured: set TOUSU_AUDIT_SIGNING_KEY_FILE (or TOUSU_AUDIT_SIGNING_KEY), "
    "or run `tousu up` once, which creates <data dir>/audit/signing-key.pem"
)


async def make_checkpoints(settings: Settings, out: TextIO, *, wait: float = 60.0) -> int:
    try:
        key = load_signing_key(settings)
    except AuditKeyError as error:
        print(error, file=out)
        return 2
    if key is None:
        print(NO_KEY, file=out)
        return 2
    engine = create_engine(
        settings.as_role("audit").database_url, pool_size=2, application_name="tousu-audit"
    )
    producer = make_producer(settings, client_id="tousu-audit")
    started = False
    try:
        with contextlib.suppress(Exception):  # no broker: the files are written all the same
            await producer.start()
            started = True
        maker = CheckpointMaker(
            settings,
            engine,
            key,
            publish=kafka_publisher(producer, settings.topic_audit_checkpoints) if started else None,
        )
        async with maker.turn(wait=wait) as mine:
            if not mine:
                print(f"another checkpoint maker is at work; still so after {wait:.0f} s", file=out)
                return 3
            try:
                made = await maker.make()
            except CheckpointChainError as error:
                print(f"cannot add a checkpoint: {error}", file=out)
                return 1
        _report_signed(maker, made, out)
        if made:
            _report_published(settings.topic_audit_checkpoints, maker, started, out)
        return 0
    finally:
        if started:
            with contextlib.suppress(Exception):
                await producer.stop()
        await engine.dispose()


def _report_signed(maker: CheckpointMaker, made: list[Path], out: TextIO) -> None:
    latest = maker.latest()
    if not made:
        since = f"since checkpoint {latest.sequence}" if latest else "yet (the store is empty)"
        print(f"no event committed {since}; nothing new to sign", file=out)
    for path in made:
        print(f"signed {path}", file=out)
    if latest is not None:
        print(
            f"latest: checkpoint {latest.sequence}, {latest.event_count} events, digest {latest.digest}, "
            f"key {latest.key_id}",
            file=out,
        )


def _report_published(topic: str, maker: CheckpointMaker, started: bool, out: TextIO) -> None:
    if not started:
        print(f"not published on {topic}: the broker is not reachable", file=out)
    elif maker.unpublished:
        print(f"not published on {topic}: the broker did not acknowledge", file=out)
    else:
        print(f"published on {topic}", file=out)
