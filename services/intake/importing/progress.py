"""Progress of an import on stderr: a bar redrawn in place on a terminal, plain lines otherwise
(every tenth of the file, and at least every ``every_seconds``), so logs of a scheduled run stay
readable."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from services.intake.importing.tally import Tally

BAR = 30


class Progress:
    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        every_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.every_seconds = every_seconds
        self.clock = clock
        self.total = 0
        self.started = self.last = clock()
        self.next_tenth = 1
        self.printed = -1
        """The rows read when the last plain line was printed (none twice)."""

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.last = self.clock()
        if not self.tty:
            self.stream.write(f"import: {total} rows to read\n")
            self.stream.flush()

    def update(self, tally: Tally, *, force: bool = False) -> None:
        now = self.clock()
        share = tally.read / self.total if self.total else 1.0
        if self.tty:
            if force or now - self.last >= 0.1:
                self.last = now
                self.stream.write("\r" + self.bar(tally, share, now))
                self.stream.flush()
            return
        tenths = tally.read * 10 // self.total if self.total else 10
        due = tenths >= self.next_tenth or now - self.last >= self.every_seconds
        if (force or due) and tally.read != self.printed:
            self.last, self.printed = now, tally.read
            self.next_tenth = tenths + 1
            self.stream.write(f"import: {self.line(tally, share)}\n")
            self.stream.flush()

    def finish(self, tally: Tally) -> None:
        self.update(tally, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def line(self, tally: Tally, share: float) -> str:
        done = "would import" if tally.dry_run else "imported"
        return (
            f"{tally.read} of {self.total} rows ({share:.0%}): {done} {tally.imported}, "
            f"already there {tally.already_there}, refused {tally.refused}"
        )

    def bar(self, tally: Tally, share: float, now: float) -> str:
        filled = round(BAR * share)
        rate = tally.read / (now - self.started) if now > self.started else 0.0
        return f"[{'#' * filled}{'.' * (BAR - filled)}] {self.line(tally, share)}  {rate:.0f} rows/s "
