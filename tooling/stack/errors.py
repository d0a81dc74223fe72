"""Errors `tousu up` reports to the user; their message is the whole report."""

from __future__ import annotations


class StackError(Exception):
    """Something of the local stack failed; the message says what, by name."""


class StartupError(StackError):
    """A named component did not start: its port was taken, it exited, or it never became ready."""

    def __init__(self, name: str, reason: str, log_tail: str = "") -> None:
        message = f"{name}: {reason}"
        if log_tail.strip():
            indented = "\n".join(f"    {line}" for line in log_tail.rstrip().splitlines())
            message += f"\n  last lines of its log:\n{indented}"
        super().__init__(message)
        self.name = name
        self.reason = reason
        self.log_tail = log_tail


class CrashLoopError(StackError):
    """A supervised service kept failing; the supervisor gave up on it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
