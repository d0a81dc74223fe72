"""The web pages: the sign-in page and the operators' dashboard, served from package data, no build step.

The pages hold no data. The dashboard is shown only with a valid session cookie (else the
browser is sent to the sign-in page); its script then calls the API with that cookie, which the
browser sends by itself, and the CSRF token it got from ``GET /v1/session`` kept in memory. No
token is ever kept in browser storage (shared/service/session.py).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from shared.service.auth import Principal, authenticate
from shared.service.dependencies import CurrentRuntime
from shared.service.session_api import signed_in
from shared.settings import Settings


class WebServices(BaseModel):
    """Where the web pages reach the other services (shared/service/web_origins.py)."""

    intake: str = Field(description="Base URL of the intake service (clearing a risk flag).")
    routing: str = Field(description="Base URL of the routing service (department inbox, the director).")
    sla: str = Field(description="Base URL of the sla service (holds, extensions).")
    feedback: str = Field(description="Base URL of the feedback service (revisit desk).")
    timezone: str = Field(description="The organisation's time zone (IANA name): the pages show times in it.")


ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "common.js": "text/javascript; charset=utf-8",
    "i18n.js": "text/javascript; charset=utf-8",
    "detail.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "inspection.js": "text/javascript; charset=utf-8",
    "inbox.js": "text/javascript; charset=utf-8",
    "revisits.js": "text/javascript; charset=utf-8",
    "services.js": "text/javascript; charset=utf-8",
    "signin.js": "text/javascript; charset=utf-8",
    "texts.js": "text/javascript; charset=utf-8",
    "extensions.js": "text/javascript; charset=utf-8",
    "objections.js": "text/javascript; charset=utf-8",
    "cooperations.js": "text/javascript; charset=utf-8",
    "drill.js": "text/javascript; charset=utf-8",
    "compare.js": "text/javascript; charset=utf-8",
    "risk.js": "text/javascript; charset=utf-8",
    "eight_d.js": "text/javascript; charset=utf-8",
    "director.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}

PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    # scripts only from this origin (no inline script); the pages are never framed
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _service_urls(request: Request, settings: Settings) -> WebServices:
    """This host (as the browser named it), each service's port."""
    base = f"{request.url.scheme}://{request.url.hostname}"
    return WebServices(
        intake=f"{base}:{settings.intake_port}",
        routing=f"{base}:{settings.routing_port}",
        sla=f"{base}:{settings.sla_port}",
        feedback=f"{base}:{settings.feedback_port}",
        timezone=settings.timezone,
    )


def _read(name: str) -> str:
    return (files("services.analytics") / "static" / name).read_text(encoding="utf-8")


router = APIRouter(tags=["dashboard"])
# read once, when the service starts
page = _read("index.html")
sign_in_page = _read("signin.html")
assets = {name: _read(name) for name in ASSETS}


@router.get("/", response_class=HTMLResponse, summary="The operators' dashboard (HTML); signed-in only")
async def index(request: Request, runtime: CurrentRuntime) -> Response:
    if not await signed_in(request):
        return RedirectResponse("/sign-in", status_code=303, headers={"Cache-Control": "no-cache"})
    # the page may also call the other services of this host (the department inbox, the desks)
    urls = _service_urls(request, runtime.settings)
    others = f"{urls.intake} {urls.routing} {urls.sla} {urls.feedback}"
    policy = PAGE_HEADERS["Content-Security-Policy"].replace(
        "default-src 'self';", f"default-src 'self'; connect-src 'self' {others};"
    )
    return HTMLResponse(page, headers={**PAGE_HEADERS, "Content-Security-Policy": policy})


@router.get("/sign-in", response_class=HTMLResponse, summary="The sign-in page (HTML)")
async def sign_in(request: Request) -> Response:
    if await signed_in(request):
        return RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-cache"})
    return HTMLResponse(sign_in_page, headers=PAGE_HEADERS)


@router.get(
    "/v1/web/services",
    response_model=WebServices,
    summary="Base URLs of the services the web pages call: this host, each service's port",
    responses={401: {"description": "Not signed in and no bearer token."}},
)
async def services(
    request: Request, principal: Annotated[Principal, Depends(authenticate)], runtime: CurrentRuntime
) -> WebServices:
    return _service_urls(request, runtime.settings)


@router.get("/static/{name}", summary="The pages' scripts and style sheet", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in assets:
        raise HTTPException(404, detail={"error": "not_found", "message": f"no asset {name}"})
    return Response(
        assets[name],
        media_type=ASSETS[name],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
