"""HTTP glue for complaint commands: the caller's principal in, a JSON outcome out."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse

from shared.clock import Clock
from shared.complaints.commands import Command
from shared.complaints.handling import ComplaintNotFound, Outcome, execute
from shared.eventstore import EventStore
from shared.service.auth import Principal


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


async def run_command(
    store: EventStore, clock: Clock, principal: Principal, complaint_no: str, command: Command
) -> JSONResponse:
    """A department's complaint is invisible to other departments' agents: 404, not 403."""
    try:
        outcome = await execute(
            store,
            complaint_no,
            command,
            clock=clock,
            visible=lambda state: principal.sees_department(state.department),
        )
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    return outcome_response(outcome)
