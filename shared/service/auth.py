"""Bearer tokens → who is calling, in which role. Every HTTP API depends on this.

Tokens live in a YAML file (`tousu up` writes development tokens into its data directory):

    tokens:
      - {token: "...", subject: web-form, role: channel}
      - {token: "...", subject: agent-wang, role: agent, department: quality, name: 王芳}

A missing or unknown token is 401. The actor of every event is the principal resolved here,
never a value from the request body.

People using the web pages sign in once with their subject and token and then send a session
cookie instead of the token (shared/service/session.py); every service accepts either, the
cookie only while its session is live in the database. A request that carries an Authorization
header is judged by it alone.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events import Actor, Role
from shared.service.session import (
    BACKGROUND_HEADER,
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionClaims,
    SessionRecord,
    Sessions,
    SessionSigner,
    csrf_ok,
    token_fingerprint,
)

HUMAN_ROLES = {
    Role.CHANNEL,
    Role.AGENT,
    Role.SUPERVISOR,
    Role.OPERATOR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.PR_OWNER,
}


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(min_length=16, description="The bearer secret.")
    subject: str = Field(min_length=1, description="Who holds it: a channel name or a person.")
    role: Role
    department: str | None = None
    name: str | None = Field(
        default=None, description="The person's display name, shown in the web pages instead of the subject."
    )

    @model_validator(mode="after")
    def _agents_have_a_department(self) -> TokenEntry:
        if self.role not in HUMAN_ROLES:
            raise ValueError(f"role {self.role} cannot hold a token")
        if self.role == Role.AGENT and not self.department:
            raise ValueError(f"agent token for {self.subject!r} needs a department")
        return self


class TokensFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[TokenEntry]


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    department: str | None = None
    name: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, id=self.subject, department=self.department)

    def sees_department(self, department: str | None) -> bool:
        """Agents see their own department's complaints only; other roles see all."""
        return self.role != Role.AGENT or department == self.department


class TokenError(ValueError):
    pass


class TokenRegistry:
    def __init__(self, entries: list[TokenEntry]) -> None:
        self._entries = entries
        # encoded once, and one (frozen) Principal per entry instead of one per request
        self._secrets = [
            (
                e.token.encode(),
                Principal(subject=e.subject, role=e.role, department=e.department, name=e.name),
            )
            for e in entries
        ]
        self._by_token_id = {
            token_fingerprint(entry.token): principal
            for entry, (_, principal) in zip(entries, self._secrets, strict=True)
        }
        self.signer = SessionSigner.for_tokens(e.token for e in entries)

    @classmethod
    def from_file(cls, path: Path) -> TokenRegistry:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TokenError(f"tokens file {path} does not exist (TOUSU_TOKENS_FILE)") from None
        try:
            return cls(TokensFile.model_validate(data).tokens)
        except ValidationError as error:
            raise TokenError(f"tokens file {path} is invalid: {error}") from None

    def resolve(self, token: str) -> Principal | None:
        found = None
        given = token.encode()
        for secret, principal in self._secrets:  # compare every entry in constant time: timing leaks nothing
            if hmac.compare_digest(secret, given):
                found = principal
        return found

    def sign_in(self, subject: str, token: str) -> tuple[Principal, str] | None:
        """The principal and token fingerprint when ``token`` is ``subject``'s; None otherwise."""
        principal = self.resolve(token)
        if principal is None or not hmac.compare_digest(principal.subject.encode(), subject.encode()):
            return None
        return principal, token_fingerprint(token)

    def by_token_id(self, token_id: str) -> Principal | None:
        """The principal of a session's token entry; None once the token left the file."""
        return self._by_token_id.get(token_id)


def _unauthorized(detail: str, detail_zh: str, scheme: str = "Bearer") -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"error": "unauthorized", "message": detail, "message_zh": detail_zh},
        headers={"WWW-Authenticate": scheme},
    )


def session_claims(request: Request) -> SessionClaims | None:
    """The claims of the request's cookie when it is one this file's key signed and not past its
    expiry; whether its session is still live is :func:`live_session`'s question."""
    value = request.cookies.get(SESSION_COOKIE)
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    if not value or sessions is None:
        return None
    registry: TokenRegistry = request.app.state.tokens
    # the expiry is judged by the service's injected clock, as the session's row is
    return registry.signer.open(value, sessions.clock.now().timestamp())


@dataclass(frozen=True)
class LiveSession:
    claims: SessionClaims
    record: SessionRecord
    principal: Principal


async def live_session(request: Request) -> LiveSession | None:
    """The request's session when its cookie is valid, the session live and its token entry
    still in the file; looked up once per request. An app without a session store (none
    configured) has no live session: a cookie opens nothing there."""
    if hasattr(request.state, "live_session"):
        known: LiveSession | None = request.state.live_session
        return known
    found = None
    claims = session_claims(request)
    if claims is not None:
        sessions: Sessions = request.app.state.sessions
        record = await sessions.live(claims, used=BACKGROUND_HEADER not in request.headers)
        registry: TokenRegistry = request.app.state.tokens
        principal = registry.by_token_id(record.token_id) if record is not None else None
        if record is not None and principal is not None:
            found = LiveSession(claims, record, principal)
    request.state.live_session = found
    return found


async def _from_session(request: Request) -> Principal:
    session = await live_session(request)
    if session is None:
        raise _unauthorized(
            "the session has expired or is no longer valid; sign in again",
            "登录已过期或已失效，请重新登录。",
            scheme="Session",
        )
    if not csrf_ok(request.method, request.headers.get(CSRF_HEADER), session.claims):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "error": "csrf_token_missing",
                "message": f"a request that changes something needs the session's {CSRF_HEADER} header",
                "message_zh": f"修改类请求须携带本次登录的 {CSRF_HEADER} 请求头。",
            },
        )
    return session.principal


async def authenticate(request: Request) -> Principal:
    # async def: a session cookie is checked against the database; a bearer token never awaits
    # (a plain def dependency would run in a worker thread, two thread hand-overs per request)
    registry: TokenRegistry = request.app.state.tokens
    header = request.headers.get("authorization", "")
    if not header and SESSION_COOKIE in request.cookies:
        return await _from_session(request)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("a bearer token is required", "需要访问令牌（Bearer）。")
    principal = registry.resolve(token.strip())
    if principal is None:
        raise _unauthorized("unknown token", "访问令牌无效。")
    return principal


class BearerAuth(SecurityBase):
    """:func:`authenticate` as a dependency that the OpenAPI shows: the routes it guards declare
    bearer security, so their 401 (and, with roles as scopes, 403) are documented for them
    (shared.service.error_responses)."""

    def __init__(self, allowed: frozenset[Role] | None = None) -> None:
        self.model = HTTPBearerModel(description="A token from the tokens file (TOUSU_TOKENS_FILE).")
        self.scheme_name = "bearer"
        self.allowed = allowed

    async def __call__(self, request: Request) -> Principal:
        principal = await authenticate(request)
        if self.allowed is not None and principal.role not in self.allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "error": "forbidden",
                    "message": f"role {principal.role} may not do this; allowed: "
                    + ", ".join(sorted(r.value for r in self.allowed)),
                    "message_zh": "当前角色无权执行此操作。",
                },
            )
        return principal


CurrentPrincipal = Annotated[Principal, Depends(BearerAuth())]


def require(*roles: Role) -> object:
    """Dependency: the caller must hold one of these roles (admin always may)."""
    allowed = frozenset(roles) | {Role.ADMIN}
    # one dependency that authenticates itself, rather than one depending on CurrentPrincipal:
    # FastAPI solves each level of dependencies per request, a cost the profile of intake showed
    return Security(BearerAuth(allowed), scopes=sorted(role.value for role in allowed))
