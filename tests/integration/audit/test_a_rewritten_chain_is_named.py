"""A superuser alters a payload and recomputes content_hash and hash along the stream with the
project's own hashing code: every chain verifies again; the checkpoint names the altered event."""

from __future__ import annotations

import pytest

from shared.events.canonical import chain_hash
from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_the_altered_event_and_its_recomputed_chain_are_named(audited: Audited) -> None:
    await audited.checkpoint()
    stream = audited.streams[1]
    events = await audited.store.read_stream(stream)
    altered = events[1]

    statements = []
    previous = bytes.fromhex(events[0].hash)
    for event in events[1:]:
        if event.event_id == altered.event_id:
            event = event.model_copy(update={"payload": {**event.payload, "n": 1000}})
        content = event.content_hash()
        link = chain_hash(previous, content)
        statements.append(
            (
                "UPDATE events SET payload = $2::jsonb, content_hash = $3, prev_hash = $4, hash = $5 "
                "WHERE event_id = $1",
                (event.event_id, _json(event.payload), content, previous, link),
            )
        )
        previous = link
    await audited.as_superuser(*statements)

    assert (await audited.store.verify()).ok  # the recomputed chains fool the chain check
    code, out = await audited.verify()
    assert code == 1, out
    [line] = [line for line in out.splitlines() if line.startswith("REWRITTEN:")]
    assert str(altered.event_id) in line and f"version {altered.stream_version}," in line
    assert "chain recomputed" in line


def _json(payload: dict[str, object]) -> str:
    import json

    return json.dumps(payload)
