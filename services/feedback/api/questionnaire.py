"""The questionnaire the complainant answers from the link, without an account (问卷回访).

GET  /q/{token}                   the page (HTML; ?lang=zh-CN default, or en)
POST /q/{token}                   the page's form (application/x-www-form-urlencoded) → HTML
GET  /v1/questionnaires/{token}   for API callers: the open link (JSON)
POST /v1/questionnaires/{token}   for API callers: the answer (JSON)

The token is the only credential: a link used already answers 410 link_used, an expired one 410
link_expired, an unknown one 404 link_unknown; the page says so in the chosen language. A
complaint whose revisit was completed another way answers 409 revisit_closed.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from services.feedback import handlers, links
from services.feedback.handlers import Answered
from services.feedback.links import LinkStatus
from services.feedback.questionnaire_page import Screen, render
from services.feedback.schemas import QuestionnaireAnswer, QuestionnaireInfo, QuestionnaireRecorded
from services.feedback.upgrades import Publish
from shared.complaints.values import Lang, Status
from shared.service.complaint_commands import CurrentUnitsOfWork
from shared.service.dependencies import CurrentClock, CurrentRuntime, state_dependency
from shared.service.error_responses import error_responses

TokenPath = Annotated[str, Path(min_length=1, max_length=200, description="The link's token.")]
LangQuery = Annotated[Lang, Query(description="Language of the page: zh-CN (default) or en.")]
Publisher = Annotated[Publish, Depends(state_dependency("publish_intake"))]

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # the token is in the path: never sent on to another site
    "Referrer-Policy": "no-referrer",
}

PROBLEMS: dict[LinkStatus, tuple[int, str, str, str]] = {
    LinkStatus.UNKNOWN: (404, "link_unknown", "no such questionnaire link", "找不到此问卷链接"),
    LinkStatus.USED: (
        410,
        "link_used",
        "this questionnaire link has already been used",
        "此问卷链接已使用过",
    ),
    LinkStatus.EXPIRED: (410, "link_expired", "this questionnaire link has expired", "此问卷链接已过期"),
}
CLOSED = (409, "revisit_closed", "the revisit of this complaint is already complete", "此投诉的回访已完成")

RESPONSES = error_responses(
    described={
        404: "link_unknown: no such link.",
        409: "revisit_closed: the revisit was completed another way.",
        410: "link_used or link_expired.",
        422: "Invalid answer; `errors` lists each field.",
    }
)

router = APIRouter(tags=["questionnaire"])


def _problem(status: int, code: str, message: str, message_zh: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "message_zh": message_zh}, status_code=status)


def _page(
    screen: Screen, lang: Lang, token: str, complaint_no: str = "", status: int = 200, **flags: bool
) -> HTMLResponse:
    return HTMLResponse(
        render(screen, lang, token, complaint_no, **flags), status_code=status, headers=PAGE_HEADERS
    )


async def _open_link(runtime: Any, token: str, now: Any) -> tuple[LinkStatus, links.RevisitLink | None]:
    async with runtime.engine.connect() as conn:
        link = await links.find(conn, token)
    return (LinkStatus.UNKNOWN, None) if link is None else (link.status(now), link)


# The pages are for the complainant's browser, not for integrators: they are left out of the
# OpenAPI document, whose questionnaire is GET/POST /v1/questionnaires/{token} (JSON).
@router.get("/q/{token}", response_class=HTMLResponse, include_in_schema=False)
async def questionnaire_page(
    token: TokenPath, runtime: CurrentRuntime, clock: CurrentClock, lang: LangQuery = "zh-CN"
) -> HTMLResponse:
    status, link = await _open_link(runtime, token, clock.now())
    if status is not LinkStatus.OPEN or link is None:
        return _page(status.value, lang, token, status=PROBLEMS[status][0])  # type: ignore[arg-type]
    return _page("form", lang, token, link.complaint_no)


@router.post("/q/{token}", response_class=HTMLResponse, include_in_schema=False)
async def questionnaire_form(
    token: TokenPath,
    request: Request,
    units: CurrentUnitsOfWork,
    clock: CurrentClock,
    publish: Publisher,
    lang: LangQuery = "zh-CN",
) -> HTMLResponse:
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    try:
        answer = QuestionnaireAnswer(
            solved=form.get("solved") == "yes",
            score=int(form.get("score", "0")) if form.get("score", "").isdigit() else 0,
            comment=form.get("comment") or None,
            upgrade=form.get("upgrade") == "yes",
        )
        if "solved" not in form:
            raise ValueError("solved is required")
    except (ValidationError, ValueError):
        async with units() as uow:
            link = await links.find(uow.connection, token)
        no = link.complaint_no if link else ""
        return _page("invalid", lang, token, no, status=422)
    answered = await handlers.answer_questionnaire(units, clock, token, answer, publish)
    if answered.status is not LinkStatus.OPEN:
        return _page(answered.status.value, lang, token, status=PROBLEMS[answered.status][0])  # type: ignore[arg-type]
    if answered.outcome is None or answered.outcome.rejection is not None:
        return _page("closed", lang, token, status=CLOSED[0])
    reopened = answered.outcome.state.status is Status.REOPENED
    return _page("thanks", lang, token, reopened=reopened, upgraded=answered.upgraded)


@router.get(
    "/v1/questionnaires/{token}",
    response_model=QuestionnaireInfo,
    summary="An open questionnaire link (JSON), no account",
    responses=RESPONSES,
)
async def questionnaire_info(token: TokenPath, runtime: CurrentRuntime, clock: CurrentClock) -> JSONResponse:
    status, link = await _open_link(runtime, token, clock.now())
    if status is not LinkStatus.OPEN or link is None:
        return _problem(*PROBLEMS[status])
    info = QuestionnaireInfo(complaint_no=link.complaint_no, expires_at=link.expires_at)
    return JSONResponse(info.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


@router.post(
    "/v1/questionnaires/{token}",
    response_model=QuestionnaireRecorded,
    status_code=201,
    summary="Answer the questionnaire (JSON), no account; once",
    responses=RESPONSES,
)
async def answer_questionnaire(
    token: TokenPath,
    body: QuestionnaireAnswer,
    units: CurrentUnitsOfWork,
    clock: CurrentClock,
    publish: Publisher,
) -> JSONResponse:
    answered = await handlers.answer_questionnaire(units, clock, token, body, publish)
    return _answered(answered)


def _answered(answered: Answered) -> JSONResponse:
    if answered.status is not LinkStatus.OPEN:
        return _problem(*PROBLEMS[answered.status])
    outcome = answered.outcome
    if outcome is None or outcome.rejection is not None:
        return _problem(*CLOSED)
    status = outcome.state.status.value if outcome.state.status else ""
    recorded = QuestionnaireRecorded(
        complaint_no=outcome.complaint_no, status=status, upgraded=answered.upgraded
    )
    return JSONResponse(recorded.model_dump(mode="json"), status_code=201)
