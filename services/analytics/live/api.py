"""GET /v1/live: the dashboard's Server-Sent Events, one per change of a complaint the caller may see
(the fan-out: hub.py). A stream opened with the session cookie ends soon after its session does.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from services.analytics.dependencies import Config, Hub
from services.analytics.filters import ERRORS, Reader
from services.analytics.live.hub import stream
from shared.service.auth import by_session, still_live

router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/live",
    summary="Server-Sent Events: one `complaint` event each time a visible complaint changes",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "text/event-stream; `event: complaint` with data "
            '{"complaint_no", "version", "status", "department", "cooperating", "type"}; comments keep '
            "it alive. "
            "Opened with the session cookie, the stream ends with `event: session_ended` (data "
            '{"error", "message", "message_zh"}) within a few seconds of the session ending.',
            "content": {"text/event-stream": {}},
        },
        **ERRORS,
    },
)
async def live(request: Request, principal: Reader, hub: Hub, config: Config) -> StreamingResponse:
    async def session_live() -> bool:
        return await still_live(request)

    return StreamingResponse(
        stream(
            hub,
            principal,
            config.live_keepalive_seconds,
            session_live if by_session(request) else None,
            config.live_session_check_seconds,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
