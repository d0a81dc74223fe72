"""Sign-in, the current session and sign-out for the web pages (``/v1/session``).

The service that serves the pages (analytics) mounts this router; the cookie it sets is then
accepted by every service of the same host (shared/service/auth.py). See session.py for the
cookie and the CSRF rule.

Sign-in takes the subject and token of one entry of the tokens file: the token is already a
per-person secret that an administrator issues and revokes by editing that file, so a second
secret per person (a password, with its hashing, reset and rotation) would add a credential to
manage without adding a check. A single sign-on provider (OIDC) would plug in here: its
callback resolves the provider's subject to a token entry and issues the same cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from shared.complaints import label
from shared.complaints.values import Label
from shared.events import Role
from shared.service.auth import (
    Principal,
    TokenRegistry,
    authenticate,
    request_time,
    session_claims,
)
from shared.service.session import CSRF_HEADER, SESSION_COOKIE


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(
        min_length=1, max_length=200, description="Who signs in: the subject in the tokens file."
    )
    token: str = Field(min_length=1, max_length=1000, description="That subject's token.")


def _label(value: Role | str) -> Label:
    return Label(**{"zh-CN": label(value, "zh-CN"), "en": label(value, "en")})


class SessionView(BaseModel):
    subject: str = Field(description="The signed-in subject (login name).")
    name: str | None = Field(description="Display name from the tokens file; null when none is set.")
    role: Role = Field(description="The role code.")
    role_label: Label = Field(description="The role, for people.")
    department: str | None = Field(description="An agent's department code; null for other roles.")
    department_label: Label | None = Field(description="The department, for people.")
    csrf_token: str = Field(
        description=f"Send this in the {CSRF_HEADER} header with every request that changes something; "
        "keep it in memory only."
    )
    expires_at: datetime = Field(description="When the session ends (UTC); sign in again after it.")


SIGN_IN_REFUSED = {
    "error": "sign_in_refused",
    "message": "The subject and token do not match an account.",
    "message_zh": "登录名或访问令牌不正确。",
}


def _view(principal: Principal, csrf: str, expires_at: int) -> SessionView:
    return SessionView(
        subject=principal.subject,
        name=principal.name,
        role=principal.role,
        role_label=_label(principal.role),
        department=principal.department,
        department_label=_label(principal.department) if principal.department else None,
        csrf_token=csrf,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
    )


def _clear(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )


def build_session_router() -> APIRouter:
    router = APIRouter(prefix="/v1/session", tags=["sessions"])
    refused: dict[int | str, dict[str, Any]] = {
        401: {
            "description": "No valid session.",
            "content": {"application/json": {"example": SIGN_IN_REFUSED}},
        }
    }

    @router.post(
        "",
        summary="Sign in with a subject and its token; sets the HttpOnly session cookie",
        response_model=SessionView,
        responses={
            401: {
                "description": "The subject and token do not match; nothing is set.",
                "content": {"application/json": {"example": SIGN_IN_REFUSED}},
            }
        },
    )
    async def sign_in(body: SignIn, request: Request, response: Response) -> SessionView:
        registry: TokenRegistry = request.app.state.tokens
        found = registry.sign_in(body.subject.strip(), body.token.strip())
        if found is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=SIGN_IN_REFUSED)
        principal, token_id = found
        value, claims = registry.sessions.issue(token_id, request_time(request))
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=registry.sessions.lifetime_seconds,
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        response.headers["Cache-Control"] = "no-store"
        return _view(principal, claims.csrf, claims.expires_at)

    @router.get(
        "",
        summary="Who is signed in, with the CSRF token for this session",
        response_model=SessionView,
        responses=refused,
    )
    async def current(
        request: Request, response: Response, principal: Annotated[Principal, Depends(authenticate)]
    ) -> SessionView:
        claims = session_claims(request)
        if claims is None:  # a bearer caller has no session to describe
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail={
                    "error": "no_session",
                    "message": "not signed in on the web pages",
                    "message_zh": "尚未在网页登录。",
                },
            )
        response.headers["Cache-Control"] = "no-store"
        return _view(principal, claims.csrf, claims.expires_at)

    @router.delete(
        "",
        status_code=204,
        summary="Sign out: the session cookie is removed (needs the CSRF header while the session is valid)",
        responses={403: {"description": "The CSRF header is missing or wrong."}},
    )
    async def sign_out(request: Request) -> Response:
        response = Response(status_code=204)
        if session_claims(request) is not None:
            await authenticate(request)  # checks the CSRF header: another site cannot sign one out
        _clear(response, request)
        return response

    return router


def signed_in(request: Request) -> bool:
    """The request carries a valid session cookie of a token still in the file."""
    claims = session_claims(request)
    registry: TokenRegistry = request.app.state.tokens
    return claims is not None and registry.by_token_id(claims.token_id) is not None
