"""A consumer's handler may leave actions for after its transaction commits (a notification that
must follow what records it): they run in order, once, and one that fails stops neither the
others nor the consumer."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shared.messaging.consumer import HandlerContext

pytestmark = pytest.mark.unit


async def test_actions_run_in_order_once_and_a_failure_is_only_logged() -> None:
    context = HandlerContext(connection=cast(Any, None), store=cast(Any, None))
    done: list[str] = []

    async def first() -> None:
        done.append("first")

    async def broken() -> None:
        raise RuntimeError("sms gateway down")

    async def last() -> None:
        done.append("last")

    for action in (first, broken, last):
        context.after_commit(action)
    await context.run_after_commit()
    await context.run_after_commit()

    assert done == ["first", "last"]
    assert context.committed == []
