"""A superuser inserts a well-chained event back-dated into the covered part of the store."""

from __future__ import annotations

import pytest

from shared.events.canonical import chain_hash
from shared.eventstore.postgres import encode_for_append
from tests.integration.audit.conftest import Audited
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_the_inserted_event_is_named(audited: Audited) -> None:
    await audited.checkpoint()
    oldest = (await audited.events())[0]
    forged_stream = new_stream_id()
    event = something(99)
    actor, trace, payload, content = encode_for_append(forged_stream, event)
    link = chain_hash(None, content)

    await audited.as_superuser(
        (
            "INSERT INTO events (tx_id, stream_id, stream_version, event_id, type, schema_version, "
            "occurred_at, actor, correlation_id, causation_id, trace, payload, content_hash, prev_hash, "
            "hash) VALUES ($1, $2, 1, $3, $4, $5, $6, $7::jsonb, $8, NULL, $9::jsonb, $10::jsonb, $11, "
            "NULL, $12)",
            (
                oldest.tx_id,  # back-dated into a transaction the checkpoint covers
                forged_stream,
                event.event_id,
                event.type,
                event.schema_version,
                event.occurred_at,
                actor,
                event.correlation_id,
                trace,
                payload,
                content,
                link,
            ),
        )
    )

    assert (await audited.store.verify()).ok  # its own chain is sound
    code, out = await audited.verify()
    assert code == 1, out
    [line] = [line for line in out.splitlines() if line.startswith("INSERTED:")]
    assert str(event.event_id) in line and forged_stream in line
    assert "inserted (or back-dated)" in line
