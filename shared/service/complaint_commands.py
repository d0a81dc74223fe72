"""HTTP glue for complaint commands: the caller's principal in, a JSON outcome out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.stages.cooperation import involved_departments
from shared.complaints.values import COMPLAINT_NO_PATTERN, Status
from shared.eventstore.complaint_handling import ComplaintNotFound, Outcome, execute
from shared.eventstore.unit_of_work import AppendUnitOfWork, UnitOfWork, UnitsOfWork, sql_units_of_work
from shared.service.auth import Principal
from shared.service.dependencies import CurrentRuntime

ComplaintNoPath = Annotated[
    str,
    Path(pattern=COMPLAINT_NO_PATTERN, description="The complaint number, e.g. TS-20261123-000001."),
]
"""A complaint number in a URL path, as every service's complaint endpoints take it."""


class CommandResult(BaseModel):
    """A command was carried out."""

    complaint_no: str = Field(description="The complaint's number.")
    stream_version: int = Field(description="The complaint's stream version after this write.")
    status: Status = Field(description="The complaint's status now.")
    department: str | None = Field(description="The department responsible now.")
    events: list[str] = Field(description="Types of the events recorded, e.g. ComplaintAccepted.")


class CommandRefused(BaseModel):
    """The complaint's rules refused the command; the refusal is on the complaint's audit trail."""

    error: str = Field(description="Stable reason code, e.g. not_accepted, wrong_state, already_closed.")
    message: str = Field(description="Why, in English.")
    message_zh: str = Field(description="Why, in Simplified Chinese.")
    complaint_no: str = Field(description="The complaint's number.")
    stream_version: int = Field(
        description="The complaint's stream version: after recording the refusal, or as it stands when "
        "the refusal is not one of the complaint's rules and nothing was recorded."
    )


def not_found(complaint_no: str) -> HTTPException:
    return HTTPException(404, detail={"error": "not_found", "message": f"no complaint {complaint_no}"})


def outcome_body(outcome: Outcome) -> dict[str, object]:
    return {
        "complaint_no": outcome.complaint_no,
        "stream_version": outcome.stream_version,
        "status": outcome.state.status.value if outcome.state.status else None,
        "department": outcome.state.department,
        "events": [event.event_type for event in outcome.decided],
    }


def outcome_response(outcome: Outcome) -> JSONResponse:
    rejection = outcome.rejection
    if rejection is not None:
        return JSONResponse(
            {
                "error": rejection.reason_code,
                "message": rejection.reason,
                "message_zh": rejection.reason_zh,
                "complaint_no": outcome.complaint_no,
                "stream_version": outcome.stream_version,
            },
            status_code=409,
        )
    return JSONResponse(outcome_body(outcome), status_code=200)


def command_unit_of_work(runtime: CurrentRuntime) -> UnitOfWork:
    """A complaint command appends once: the append commits on its own, no transaction around it."""
    return AppendUnitOfWork(runtime.store)


CommandUnitOfWork = Annotated[UnitOfWork, Depends(command_unit_of_work)]
"""The unit of work of an endpoint that carries out one complaint command (a test overrides
``command_unit_of_work`` with a fake)."""


def units_of_work(runtime: CurrentRuntime) -> UnitsOfWork:
    """Units of work each in a transaction of its own, for a handler that writes more than once
    (several streams, or the store and the service's tables) and opens its unit itself."""
    return sql_units_of_work(runtime.engine)


CurrentUnitsOfWork = Annotated[UnitsOfWork, Depends(units_of_work)]
"""Opens units of work in transactions of their own (a test overrides ``units_of_work``)."""


async def handle_command(
    uow: UnitOfWork, clock: Clock, principal: Principal, complaint_no: str, command: Command
) -> Outcome:
    """The handler of a caller's command on a complaint: load → decide → append. A department's
    complaint is invisible to other departments' agents: ComplaintNotFound, as if it did not exist.
    A co-operating department (协同) sees it: the rules then decide what it may do."""
    return await execute(
        uow.store,
        complaint_no,
        command,
        clock=clock,
        visible=lambda state: any(principal.sees_department(d) for d in involved_departments(state)),
        attempts=uow.attempts,
    )


async def run_command(
    uow: UnitOfWork, clock: Clock, principal: Principal, complaint_no: str, command: Command
) -> JSONResponse:
    """:func:`handle_command` over HTTP: 404 for a complaint the caller may not see, not 403."""
    try:
        outcome = await handle_command(uow, clock, principal, complaint_no, command)
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    return outcome_response(outcome)
