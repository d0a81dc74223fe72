"""A superuser cuts the store's last events off: the streams end earlier but still verify."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import STREAMS, Audited

pytestmark = pytest.mark.integration


async def test_the_truncation_is_named(audited: Audited) -> None:
    await audited.checkpoint()
    events = await audited.events()
    tail = events[-STREAMS:]  # the last event of every stream

    await audited.as_superuser(
        ("DELETE FROM events WHERE global_position >= $1", (tail[0].global_position,)),
    )

    assert (await audited.store.verify()).ok
    code, out = await audited.verify()
    assert code == 1, out
    [line] = [line for line in out.splitlines() if line.startswith("TRUNCATED:")]
    assert f"the last {STREAMS} events checkpoint 1" in line
    assert f"{tail[0].global_position}–{tail[-1].global_position}" in line
    assert not [line for line in out.splitlines() if line.startswith("DELETED:")]
