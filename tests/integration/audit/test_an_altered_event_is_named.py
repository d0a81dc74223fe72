"""A superuser edits a payload without re-hashing: the chain names the event, with a checkpoint too."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_the_altered_event_is_named(audited: Audited) -> None:
    await audited.checkpoint()
    altered = (await audited.store.read_stream(audited.streams[2]))[0]

    await audited.as_superuser(
        (
            "UPDATE events SET payload = jsonb_set(payload, '{n}', '1000') WHERE event_id = $1",
            (altered.event_id,),
        )
    )

    code, out = await audited.verify()
    assert code == 1, out
    [line] = [line for line in out.splitlines() if line.startswith("ALTERED:")]
    assert str(altered.event_id) in line and "the event was altered" in line
