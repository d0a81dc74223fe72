"""GET /v1/live: the dashboard's Server-Sent Events, one per change of a complaint the caller may see
(the fan-out: hub.py).

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.analytics.dependencies import Config, Hub
from services.analytics.filters import ERRORS, Reader
from services.analytics.live.hub import stream

router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/live",
    summary="Server-Sent Events: one `complaint` event each time a visible complaint changes",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "text/event-stream; `event: complaint` with data "
            '{"complaint_no", "version", "status", "department", "type"}; comments keep it alive.',
            "content": {"text/event-stream": {}},
        },
        **ERRORS,
    },
)
async def live(principal: Reader, hub: Hub, config: Config) -> StreamingResponse:
    return StreamingResponse(
        stream(hub, principal, config.live_keepalive_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
