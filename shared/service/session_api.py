"""Sign-in, the current session and sign-out for the web pages (``/v1/session``), and the admins'
view of everyone's sessions (``/v1/admin/sessions``).

The service that serves the pages (analytics) mounts this router; the cookie it sets is then
accepted by every service of the same host (shared/service/auth.py) while its session is live.
See session.py for the cookie, the session's lifetime and idle timeout, and the CSRF rule.

Sign-in takes the subject and token of one entry of the tokens file: the token is already a
per-person secret that an administrator issues and revokes by editing that file, so a second
secret per person (a password, with its hashing, reset and rotation) would add a credential to
manage without adding a check. Where an OpenID Connect provider is configured, people may sign
in there instead (shared/service/oidc_api.py): its callback starts the same kind of session.

Admins list a person's sessions (or everyone's live ones) and end one or all of them: a stolen
cookie stops working on every service within ``TOUSU_SESSION_CHECK_CACHE_SECONDS``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from shared.complaints import label
from shared.complaints.values import Label
from shared.events import Role
from shared.service.auth import (
    Principal,
    TokenRegistry,
    authenticate,
    live_session,
    require,
    session_principal,
)
from shared.service.error_responses import ErrorBody, error_responses
from shared.service.session import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Ending,
    SessionRecord,
    Sessions,
    SessionSigner,
)

MAX_LISTED = 500
ADMINS = require()  # admins only


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
    expires_at: datetime = Field(
        description="When the session ends at the latest (UTC); sign in again after it."
    )
    idle_timeout_seconds: int = Field(
        description="The session ends after this many seconds without a request to any service."
    )


SIGN_IN_REFUSED = {
    "error": "sign_in_refused",
    "message": "The subject and token do not match an account.",
    "message_zh": "登录名或访问令牌不正确。",
}


def _view(principal: Principal, csrf: str, expires_at: int, idle_seconds: int) -> SessionView:
    return SessionView(
        subject=principal.subject,
        name=principal.name,
        role=principal.role,
        role_label=_label(principal.role),
        department=principal.department,
        department_label=_label(principal.department) if principal.department else None,
        csrf_token=csrf,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
        idle_timeout_seconds=idle_seconds,
    )


def give_session_cookie(response: Response, request: Request, value: str, sessions: Sessions) -> None:
    """The session's cookie: HttpOnly, SameSite=Strict, Secure over https, for the session's lifetime."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=sessions.policy.lifetime_seconds,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def _clear(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )


def current_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


CurrentSessions = Annotated[Sessions, Depends(current_sessions)]

STATE_LABELS: dict[str, Label] = {
    "live": Label(**{"zh-CN": "有效", "en": "Active"}),
    Ending.SIGNED_OUT: Label(**{"zh-CN": "已退出登录", "en": "Signed out"}),
    Ending.REVOKED: Label(**{"zh-CN": "已被管理员终止", "en": "Ended by an administrator"}),
    Ending.EXPIRED: Label(**{"zh-CN": "已到期", "en": "Expired"}),
    Ending.IDLE: Label(**{"zh-CN": "长时间未操作，已失效", "en": "Ended after inactivity"}),
    Ending.TOKEN_REMOVED: Label(**{"zh-CN": "访问令牌已撤销", "en": "Its token was revoked"}),
}


class AdminSessionView(BaseModel):
    id: uuid.UUID = Field(description="The session's handle here (not the cookie's secret).")
    subject: str = Field(description="Who signed in (login name).")
    name: str | None = Field(description="Display name from the tokens file; null when none is set or gone.")
    user_agent: str = Field(description='The browser, summarised ("Chrome 131 on Windows"); may be empty.')
    created_at: datetime = Field(description="Signed in at (UTC).")
    last_seen_at: datetime = Field(description="Last request with it, to within a minute (UTC).")
    expires_at: datetime = Field(description="Ends at the latest (UTC).")
    idle_until: datetime = Field(description="Ends then if nothing more is done with it (UTC).")
    state: str = Field(
        description="live, or why it ended: signed_out, revoked, expired, idle, token_removed."
    )
    state_label: Label = Field(description="The state, for people.")
    revoked_at: datetime | None = Field(description="When it was signed out or revoked (UTC).")
    revoked_by: str | None = Field(description="Who signed it out or revoked it.")


class SessionList(BaseModel):
    sessions: list[AdminSessionView]


class Revoked(BaseModel):
    revoked: int = Field(description="How many live sessions were ended.")


ADMIN_ONLY = error_responses(403, described={403: "Only admins may see or end others' sessions."})
NO_SUCH_SESSION = error_responses(described={404: "No live session has this id (unknown, or already ended)."})
SessionId = Annotated[uuid.UUID, Path(description="The session's id from the list.")]


def _admin_view(
    record: SessionRecord,
    registry: TokenRegistry,
    now: datetime,
    idle_seconds: int,
    single_sign_on: SessionSigner | None = None,
) -> AdminSessionView:
    principal = session_principal(record, registry, single_sign_on)
    ending = record.ending(now, idle_seconds)
    if ending is None and principal is None:
        ending = Ending.TOKEN_REMOVED
    state = ending.value if ending else "live"
    return AdminSessionView(
        id=record.id,
        subject=record.subject,
        name=principal.name if principal else None,
        user_agent=record.user_agent,
        created_at=record.created_at,
        last_seen_at=record.last_seen_at,
        expires_at=record.expires_at,
        idle_until=record.idle_until(idle_seconds),
        state=state,
        state_label=STATE_LABELS[state],
        revoked_at=record.revoked_at,
        revoked_by=record.revoked_by,
    )


own_session_router = APIRouter(prefix="/v1/session", tags=["sessions"])
NO_LIVE_SESSION: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "No live session: never signed in, signed out, revoked, expired or idle.",
    }
}


@own_session_router.post(
    "",
    summary="Sign in with a subject and its token; sets the HttpOnly session cookie",
    response_model=SessionView,
    responses={
        401: {
            "model": ErrorBody,
            "description": "The subject and token do not match; nothing is set.",
            "content": {"application/json": {"example": SIGN_IN_REFUSED}},
        }
    },
)
async def sign_in(
    body: SignIn, request: Request, response: Response, sessions: CurrentSessions
) -> SessionView:
    registry: TokenRegistry = request.app.state.tokens
    found = registry.sign_in(body.subject.strip(), body.token.strip())
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=SIGN_IN_REFUSED)
    principal, token_id = found
    previous = await live_session(request)
    if previous is not None:  # this browser's earlier sign-in ends: one browser, one session
        await sessions.sign_out(previous.claims, previous.principal.subject)
    value, claims, _ = await sessions.start(
        registry.signer, token_id, principal.subject, request.headers.get("user-agent")
    )
    give_session_cookie(response, request, value, sessions)
    response.headers["Cache-Control"] = "no-store"
    return _view(principal, claims.csrf, claims.expires_at, sessions.policy.idle_seconds)


@own_session_router.get(
    "",
    summary="Who is signed in, with the CSRF token for this session",
    response_model=SessionView,
    responses=NO_LIVE_SESSION,
)
async def current(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(authenticate)],
    sessions: CurrentSessions,
) -> SessionView:
    session = await live_session(request)
    if session is None:  # a bearer caller has no session to describe
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={
                "error": "no_session",
                "message": "not signed in on the web pages",
                "message_zh": "尚未在网页登录。",
            },
        )
    response.headers["Cache-Control"] = "no-store"
    claims = session.claims
    return _view(session.principal, claims.csrf, claims.expires_at, sessions.policy.idle_seconds)


@own_session_router.delete(
    "",
    status_code=204,
    summary="Sign out: the session ends on every service and the cookie is removed "
    "(needs the CSRF header while the session is live)",
    responses=error_responses(described={403: "The CSRF header is missing or wrong."}),
)
async def sign_out(request: Request, sessions: CurrentSessions) -> Response:
    response = Response(status_code=204)
    session = await live_session(request)
    if session is not None:
        await authenticate(request)  # checks the CSRF header: another site cannot sign one out
        await sessions.sign_out(session.claims, session.principal.subject)
    _clear(response, request)
    return response


admin_sessions_router = APIRouter(prefix="/v1/admin/sessions", tags=["sessions (admin)"])


@admin_sessions_router.get(
    "",
    response_model=SessionList,
    summary="Sessions of the web pages, newest first (admin)",
    description="A person's sessions (`subject`), or everyone's; live ones only unless `ended`. "
    "A session whose token entry left the tokens file shows as `token_removed`: it opens nothing.",
    responses=ADMIN_ONLY,
)
async def list_sessions(
    request: Request,
    principal: Annotated[Principal, ADMINS],
    sessions: CurrentSessions,
    subject: Annotated[str | None, Query(min_length=1, max_length=200, description="Login name.")] = None,
    ended: Annotated[bool, Query(description="Include signed-out, revoked and expired ones.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED, description="Most sessions returned.")] = 100,
) -> SessionList:
    now = sessions.clock.now()
    idle = sessions.policy.idle_seconds
    live_at = None if ended else now
    records = await sessions.store.listed(subject, live_at, now - timedelta(seconds=idle), limit)
    single_sign_on = getattr(request.app.state, "oidc_signer", None)
    views = [_admin_view(record, request.app.state.tokens, now, idle, single_sign_on) for record in records]
    return SessionList(sessions=[view for view in views if ended or view.state == "live"])


@admin_sessions_router.delete(
    "/{session_id}",
    status_code=204,
    summary="End one session at once, on every service (admin)",
    responses={**ADMIN_ONLY, **NO_SUCH_SESSION},
)
async def revoke_session(
    session_id: SessionId, principal: Annotated[Principal, ADMINS], sessions: CurrentSessions
) -> Response:
    if not await sessions.revoke(session_id, by=principal.subject):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={
                "error": "not_found",
                "message": f"no live session {session_id}",
                "message_zh": "没有该有效登录会话（不存在或已结束）。",
            },
        )
    return Response(status_code=204)


@admin_sessions_router.delete(
    "",
    response_model=Revoked,
    summary="End every live session of a person, on every service (admin)",
    description="Their token keeps working for machines; to take it away, remove it from the "
    "tokens file (which also ends its sessions).",
    responses=ADMIN_ONLY,
)
async def revoke_sessions_of(
    principal: Annotated[Principal, ADMINS],
    sessions: CurrentSessions,
    subject: Annotated[str, Query(min_length=1, max_length=200, description="Login name.")],
) -> Revoked:
    return Revoked(revoked=await sessions.revoke_subject(subject, by=principal.subject))


def build_session_router() -> APIRouter:
    """Both: the web pages' own session and the admins' view of everyone's."""
    router = APIRouter()
    router.include_router(own_session_router)
    router.include_router(admin_sessions_router)
    return router


async def signed_in(request: Request) -> bool:
    """The request carries the cookie of a live session of a token still in the file."""
    return await live_session(request) is not None
