"""Run the stack's main coroutine until it finishes or SIGINT/SIGTERM arrives."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Sequence
from typing import Any

from tooling.stack.supervisor import Reporter, print_report

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


async def run_until_signalled(
    main: Coroutine[Any, Any, int],
    *,
    report: Reporter = print_report,
    signals: Sequence[signal.Signals] = STOP_SIGNALS,
) -> int:
    """Run ``main``; the first stop signal cancels it (its ``finally`` blocks stop the children).

    Returns ``main``'s exit code, or 0 when a signal stopped it. Further signals while stopping
    are reported and otherwise ignored: stopping is bounded by the grace periods anyway.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(main)
    received: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        if task.done():
            return
        if received:
            report(f"received {sig.name} again; still stopping…")
        else:
            report(f"received {sig.name}; stopping everything…")
            task.cancel()
        received.append(sig)

    installed: list[signal.Signals] = []
    try:
        for sig in signals:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
        try:
            return await task
        except asyncio.CancelledError:
            if received:
                return 0
            raise
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
