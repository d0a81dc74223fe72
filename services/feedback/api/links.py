"""Issuing questionnaire links (问卷回访链接).

POST /v1/complaints/{no}/revisit-links    customer-service agents, supervisors (admins)
The answer carries the link (shown once; only its hash is kept). With send_via sms or email the
notifier sends it to the complainant; with none the caller copies it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from services.feedback import handlers
from services.feedback.api.revisits import AUTH_RESPONSES, RECORDERS
from services.feedback.config import FeedbackSettings
from services.feedback.links import SentVia
from services.feedback.notifier import LinkNotifier
from services.feedback.schemas import LinkIssued, LinkRequest
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.service.auth import Principal
from shared.service.complaint_commands import ComplaintNoPath, CurrentUnitsOfWork, not_found
from shared.service.dependencies import CurrentClock, state_dependency
from shared.service.error_responses import error_responses

Own = Annotated[FeedbackSettings, Depends(state_dependency("feedback_settings"))]
Notifier = Annotated[LinkNotifier, Depends(state_dependency("link_notifier"))]

router = APIRouter(prefix="/v1", tags=["feedback"])


def link_url(request: Request, own: FeedbackSettings, token: str) -> str:
    base = own.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/q/{token}"


@router.post(
    "/complaints/{complaint_no}/revisit-links",
    response_model=LinkIssued,
    status_code=201,
    summary="Issue a questionnaire link for the revisit (问卷回访链接)",
    description="A single-use link, valid TOUSU_FEEDBACK_LINK_DAYS days (default 7), that the "
    "complainant opens without an account to answer the revisit. Only for a complaint resolved "
    "and awaiting its revisit.",
    responses={
        **AUTH_RESPONSES,
        **error_responses(
            described={
                404: "No such complaint.",
                409: "Not awaiting a revisit (not resolved, or closed: not_awaiting_revisit), or the "
                "complainant already confirmed and the complaint waits only for its 8D case's D8 "
                "(already_confirmed).",
            }
        ),
    },
)
async def issue_link(
    complaint_no: ComplaintNoPath,
    request: Request,
    units: CurrentUnitsOfWork,
    clock: CurrentClock,
    own: Own,
    notifier: Notifier,
    principal: Principal = RECORDERS,
    body: LinkRequest | None = None,
) -> JSONResponse:
    via = (body or LinkRequest()).send_via
    try:
        async with units() as uow:
            issued = await handlers.issue_link(
                uow, clock.now(), own.link_ttl, complaint_no, principal.subject, via
            )
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    except handlers.AlreadyConfirmed:
        raise HTTPException(
            409,
            detail={
                "error": "already_confirmed",
                "message": f"the complainant already confirmed the solution of complaint {complaint_no}; "
                "it closes once its 8D case is closed (D8), no questionnaire is needed",
                "message_zh": f"投诉人已确认投诉 {complaint_no} 的处理结果，"
                "待其 8D 结案（D8）后即归档，无需再发问卷",
            },
        ) from None
    if issued is None:
        raise HTTPException(
            409,
            detail={
                "error": "not_awaiting_revisit",
                "message": f"complaint {complaint_no} is not awaiting a revisit",
                "message_zh": f"投诉 {complaint_no} 当前不在待回访状态，不能发送问卷",
            },
        )
    token, link = issued
    url = link_url(request, own, token)
    if via is not SentVia.NONE:
        await notifier.send_link(complaint_no, via, url)
    answer = LinkIssued(complaint_no=complaint_no, url=url, expires_at=link.expires_at, sent_via=via)
    return JSONResponse(
        answer.model_dump(mode="json"), status_code=201, headers={"Cache-Control": "no-store"}
    )
