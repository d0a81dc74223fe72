"""Complaint histories at chosen instants, for the insight tests (problems, repeats, scorecards,
inspection): the builders' ordinary paths, moved in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.complaints import Command, ComplaintState, ReceiveComplaint, Status
from tests.builders import T0, apply, path_to
from tests.integration.analytics.conftest import History


def history_at(
    status: Status, complaint_no: str, when: datetime, department: str = "quality", **received: Any
) -> History:
    """The ordinary path to ``status``, starting at ``when`` instead of the builders' T0."""
    shift = when - T0
    state = ComplaintState.initial()
    history: History = []
    for command in path_to(status, department):
        update: dict[str, Any] = {"at": command.at + shift}
        if isinstance(command, ReceiveComplaint):
            update |= {"complaint_no": complaint_no, **received}
        moved = command.model_copy(update=update)
        state, events = apply(state, moved)
        history.append((moved, events))
    return history


def later(history: History, *commands: Command, after: timedelta = timedelta(hours=1)) -> History:
    """The history with more commands, each ``after`` its predecessor."""
    from shared.complaints import fold

    state = fold((event, command.at) for command, events in history for event in events)
    extended = list(history)
    last = history[-1][0].at
    for command in commands:
        last = last + after
        state, events = apply(state, command.model_copy(update={"at": last}))
        extended.append((command.model_copy(update={"at": last}), events))
    return extended
