"""How a consumer tells a poison message from a passing outage, and what it may say about either.

Nothing here quotes the message: its values may be a complainant's personal data, and SQLAlchemy's
and pydantic's own messages quote statement parameters and inputs.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError


class PoisonMessage(Exception):
    """Raise from a handler for a message that can never succeed: dead-lettered at once.

    ``parked``: what the dead letter keeps instead of the message's value, when the value must
    not be kept (an anonymous submission that wrongly names its sender)."""

    def __init__(
        self, reason: str, errors: list[dict[str, Any]] | None = None, parked: bytes | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or []
        self.parked = parked


class InfrastructureUnavailable(RuntimeError):
    """The database or the broker could not be reached: the batch is not acknowledged and comes
    back. Raised instead of the driver's error, whose text may quote statement parameters."""


def is_infrastructure_failure(error: BaseException) -> bool:
    if isinstance(error, InfrastructureUnavailable):
        return True
    if isinstance(error, OperationalError | InterfaceError | ConnectionError | OSError | TimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def validation_reasons(error: ValidationError) -> list[dict[str, Any]]:
    """Field-level reasons without the offending values (they may be personal data)."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "type": e["type"], "message": e["msg"]}
        for e in error.errors(include_input=False, include_url=False)
    ]


def failure_reason(error: BaseException) -> str:
    """Why a handler failed, without the values it was working on (they may be personal data).

    SQLAlchemy's message quotes the statement's parameters (and PostgreSQL's DETAIL the row);
    pydantic's quotes the offending input: those are described by type and code only.
    """
    if isinstance(error, StatementError):
        orig = error.orig
        if orig is None:
            return type(error).__name__
        state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
        return f"{type(error).__name__} ({type(orig).__name__}, SQLSTATE {state})"
    if isinstance(error, ValidationError):
        return f"ValidationError: invalid {error.title}, {error.error_count()} error(s)"
    return f"{type(error).__name__}: {error}"


def error_details(error: BaseException) -> list[dict[str, Any]]:
    return validation_reasons(error) if isinstance(error, ValidationError) else []
