"""A shutdown step that never finishes (a broker that does not answer) is given up after its bound
and named in the log: SIGTERM always ends the process."""

from __future__ import annotations

import asyncio
import logging

import pytest

from shared.service import runtime

pytestmark = pytest.mark.unit


async def test_a_hung_step_is_abandoned_and_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runtime, "STOP_STEP_SECONDS", 0.05)
    never = asyncio.get_running_loop().create_future()
    with caplog.at_level(logging.WARNING, logger=runtime.log.name):
        await asyncio.wait_for(runtime._bounded("broker", never), 2)
    assert never.cancelled()
    [record] = [r for r in caplog.records if r.getMessage() == "shutdown step timed out"]
    assert record.step == "broker"  # type: ignore[attr-defined]


async def test_a_failing_step_does_not_stop_the_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise ConnectionResetError("gone")

    with caplog.at_level(logging.WARNING, logger=runtime.log.name):
        await runtime._bounded("producer", broken())
    assert [r.getMessage() for r in caplog.records] == ["shutdown step failed"]
