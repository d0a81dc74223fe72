"""Signing in to the web pages with an OpenID Connect provider (``/v1/session/oidc``); the flow's
checks and the claims' meaning are in oidc.py.

``GET /v1/session/oidc`` tells the sign-in page whether to show "Sign in with <provider>";
``/login`` sends the browser to the provider (authorization code with PKCE S256; ``state``,
``nonce`` and the code verifier wait in a signed HttpOnly cookie for ten minutes);
``/callback`` redeems the code, checks the ID token and starts the same server-side session as
a token sign-in; ``/logout`` sends a browser that signed out on to the provider's end-session
endpoint when it advertises one. Without a provider configured every one of them is a 404.

The flow cookie is SameSite=Lax, not Strict like the session's: the callback is a top-level
navigation from the provider's site, on which a Strict cookie would not be sent. For the same
reason the callback answers with a page that moves on to the dashboard by itself rather than
with a redirect: the dashboard's request is then one of this site, carrying the Strict cookie.
A refusal is a page in both languages for a browser, JSON for anything else, with a 4xx status
(502 when the provider cannot be reached); no session is started.
"""

from __future__ import annotations

import hmac
import html
import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from shared.service.auth import TokenRegistry, live_session
from shared.service.error_responses import ErrorBody
from shared.service.oidc import (
    FLOW_COOKIE,
    FLOW_SECONDS,
    SUBJECT_PREFIX,
    Flow,
    OidcConfig,
    Provider,
    Refusal,
    identity,
    known_departments,
    verified_claims,
)
from shared.service.session import Sessions
from shared.service.session_api import give_session_cookie

log = logging.getLogger("tousu.oidc")

PREFIX = "/v1/session/oidc"


class ProviderView(BaseModel):
    provider_name: str | None = Field(
        description='What the sign-in button names ("Sign in with …"); null: the page says "single sign-on".'
    )
    sign_in_url: str = Field(description="Where the button leads: this service's start of the flow.")


def configured_provider(request: Request) -> Provider:
    provider: Provider | None = getattr(request.app.state, "oidc_provider", None)
    if provider is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={
                "error": "not_found",
                "message": "no single sign-on provider is configured; sign in with a token",
                "message_zh": "未配置单点登录，请使用访问令牌登录。",
            },
        )
    return provider


CurrentProvider = Annotated[Provider, Depends(configured_provider)]
NOT_CONFIGURED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No OIDC provider is configured."}
}
AS_PAGE = {"text/html": {"schema": {"type": "string"}}}
"""A refusal is a page for a browser (Accept: text/html), the JSON body otherwise."""
REFUSED: dict[int | str, dict[str, Any]] = {
    **NOT_CONFIGURED,
    **{
        code: {"model": ErrorBody, "description": description, "content": AS_PAGE}
        for code, description in (
            (400, "The flow's cookie or state is missing, expired or wrong."),
            (401, "The ID token is invalid (signature, issuer, audience, times, nonce)."),
            (403, "The account has no valid tousu role or department, or the provider declined."),
            (502, "The provider cannot be reached or refused the code."),
        )
    },
}

router = APIRouter(prefix=PREFIX, tags=["sessions"])


@router.get(
    "", response_model=ProviderView, summary="The single sign-on provider, if any", responses=NOT_CONFIGURED
)
async def provider_info(provider: CurrentProvider) -> ProviderView:
    return ProviderView(provider_name=provider.config.provider_name or None, sign_in_url=f"{PREFIX}/login")


def _redirect_url(request: Request, config: OidcConfig) -> str:
    return config.redirect_url or str(request.url_for("oidc_callback"))


def _refused(request: Request, refusal: Refusal) -> Response:
    """A page for a browser (both languages, a way back), JSON for a program; the flow cookie goes."""
    log.info(
        "single sign-on refused: %s", refusal.error, extra={"error": refusal.error, "status": refusal.status}
    )
    if "text/html" in request.headers.get("accept", ""):
        page = REFUSAL_PAGE.format(
            zh=html.escape(refusal.message_zh),
            en=html.escape(refusal.message),
            code=html.escape(refusal.error),
        )
        response: Response = HTMLResponse(page, status_code=refusal.status, headers=PAGE_HEADERS)
    else:
        response = JSONResponse(
            refusal.body(), status_code=refusal.status, headers={"Cache-Control": "no-store"}
        )
    response.delete_cookie(FLOW_COOKIE, path=PREFIX, secure=request.url.scheme == "https", httponly=True)
    return response


@router.get(
    "/login",
    status_code=303,
    summary="Start signing in at the provider (a redirect there)",
    responses={**NOT_CONFIGURED, 502: REFUSED[502]},
)
async def login(request: Request, provider: CurrentProvider) -> Response:
    sessions: Sessions = request.app.state.sessions
    try:
        metadata = await provider.metadata()
    except Refusal as refusal:
        return _refused(request, refusal)
    config = provider.config
    flow = Flow.begin(_redirect_url(request, config), sessions.clock.now().timestamp())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": flow.redirect_url,
            "scope": config.scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        }
    )
    endpoint: str = metadata["authorization_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    response = RedirectResponse(
        f"{endpoint}{separator}{query}", status_code=303, headers={"Cache-Control": "no-store"}
    )
    response.set_cookie(
        FLOW_COOKIE,
        flow.seal(config.flow_key),
        max_age=FLOW_SECONDS,
        path=PREFIX,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(
    "/callback",
    name="oidc_callback",
    responses={
        **REFUSED,
        200: {"description": "Signed in: a page moving on to the dashboard.", "content": AS_PAGE},
    },
    summary="The provider sends the browser back here: the session starts, then the dashboard",
)
async def callback(
    request: Request,
    provider: CurrentProvider,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    sessions: Sessions = request.app.state.sessions
    now = sessions.clock.now().timestamp()
    try:
        flow = Flow.open(request.cookies.get(FLOW_COOKIE), provider.config.flow_key, now)
        _check_answer(flow, code, state, error)
        assert code is not None  # _check_answer refused otherwise
        claims = await verified_claims(provider, await provider.redeem(code, flow), flow.nonce, now)
        registry: TokenRegistry = request.app.state.tokens
        person = identity(claims, provider.config, known_departments(registry.departments()))
    except Refusal as refusal:
        return _refused(request, refusal)
    previous = await live_session(request)
    if previous is not None:  # this browser's earlier sign-in ends: one browser, one session
        await sessions.sign_out(previous.claims, previous.principal.subject)
    value, _, _ = await sessions.start(
        provider.config.session_signer(),
        provider.config.token_id,
        person.subject,
        request.headers.get("user-agent"),
        identity=(person.role.value, person.department, person.name),
    )
    response = HTMLResponse(SIGNED_IN_PAGE, headers=PAGE_HEADERS)
    give_session_cookie(response, request, value, sessions)
    response.delete_cookie(FLOW_COOKIE, path=PREFIX, secure=request.url.scheme == "https", httponly=True)
    return response


def _check_answer(flow: Flow, code: str | None, state: str | None, error: str | None) -> None:
    if state is None or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise Refusal(
            400,
            "oidc_state_mismatch",
            "this answer from the identity provider does not belong to this sign-in; start it again",
            "身份提供方的应答与本次登录不符，请重新登录。",
        )
    if error is not None:
        raise Refusal(
            403,
            "oidc_provider_refused",
            "the identity provider did not sign you in",
            "身份提供方未完成登录。",
        )
    if not code:
        raise Refusal(400, "oidc_no_code", "the identity provider sent no code", "身份提供方未返回授权码。")


@router.get(
    "/logout",
    status_code=303,
    summary="After signing out: on to the provider's end-session endpoint if it has one, "
    "else the sign-in page",
    responses=NOT_CONFIGURED,
)
async def logout(request: Request, provider: CurrentProvider) -> Response:
    back = str(request.url_for("oidc_callback")).removesuffix(f"{PREFIX}/callback") + "/sign-in"
    target = "/sign-in"
    try:
        end_session = (await provider.metadata()).get("end_session_endpoint")
    except Refusal:
        end_session = None  # the tousu session is over anyway; the provider's may outlive it
    if isinstance(end_session, str) and end_session:
        query = urlencode({"client_id": provider.config.client_id, "post_logout_redirect_uri": back})
        target = f"{end_session}{'&' if '?' in end_session else '?'}{query}"
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def is_single_sign_on(subject: str) -> bool:
    return subject.startswith(SUBJECT_PREFIX)


PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# a page, not a redirect: the dashboard's request is then this site's own and carries the Strict cookie
SIGNED_IN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/">
<title>已登录 · Signed in</title><link rel="stylesheet" href="/static/dashboard.css"></head>
<body class="sign-in-page"><main class="sign-in"><h1>已登录 · Signed in</h1>
<p><a href="/">进入看板</a> · <a href="/" lang="en">Open the dashboard</a></p></main></body></html>
"""
REFUSAL_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>无法登录 · Cannot sign in</title>
<link rel="stylesheet" href="/static/dashboard.css"></head>
<body class="sign-in-page"><main class="sign-in" data-error="{code}">
<h1>无法登录</h1><p role="alert">{zh}</p>
<h2 lang="en">Cannot sign in</h2><p lang="en">{en}</p>
<p><a href="/sign-in">返回登录页</a> · <a href="/sign-in" lang="en">Back to sign-in</a></p>
</main></body></html>
"""
