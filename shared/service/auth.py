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

The file is read again when it changes (its modification time, size or inode, looked at with one
``stat`` at most every :data:`RELOAD_CHECK_SECONDS`): a token removed from it stops opening
anything, as a bearer token and as the sessions signed in with it, without a restart. A new file
that cannot be read (invalid YAML, an entry missing its role…) leaves the tokens read before in
force and logs an error naming the line.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

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

log = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 2.0
"""How often a process looks whether the tokens file changed: a removed token works at most this
long after the file is saved; a ``stat`` per request would cost more than it buys."""

HUMAN_ROLES = {
    Role.CHANNEL,
    Role.AGENT,
    Role.SUPERVISOR,
    Role.OPERATOR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.DIRECTOR,
    Role.DEPARTMENT_HEAD,
    Role.PR_OWNER,
    Role.QUALITY_ENGINEER,
}

DEPARTMENT_SCOPED_ROLES = frozenset({Role.AGENT, Role.DEPARTMENT_HEAD})
"""Roles held for one department, whose readers see that department's complaints only."""


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
        if self.role in DEPARTMENT_SCOPED_ROLES and not self.department:
            raise ValueError(f"{self.role} token for {self.subject!r} needs a department")
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
        """Agents and department heads see their own department's complaints only; other roles
        see all."""
        return self.role not in DEPARTMENT_SCOPED_ROLES or department == self.department


class TokenError(ValueError):
    pass


@dataclass(frozen=True)
class _Tokens:
    """One reading of the tokens file, swapped whole when the file changes."""

    secrets: list[tuple[bytes, Principal]]
    by_token_id: dict[str, Principal]
    signer: SessionSigner

    @classmethod
    def of(cls, entries: Iterable[TokenEntry]) -> _Tokens:
        entries = list(entries)
        # encoded once, and one (frozen) Principal per entry instead of one per request
        secrets = [
            (
                e.token.encode(),
                Principal(subject=e.subject, role=e.role, department=e.department, name=e.name),
            )
            for e in entries
        ]
        by_token_id = {
            token_fingerprint(entry.token): principal
            for entry, (_, principal) in zip(entries, secrets, strict=True)
        }
        return cls(secrets, by_token_id, SessionSigner.for_tokens(e.token for e in entries))


FileStamp = tuple[int, int, int] | None


def _stamp(path: Path) -> FileStamp:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


def _line_of(text: str, location: Sequence[int | str]) -> int:
    """The line (1-based) of the YAML node at a validation error's location, as near as it goes."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    line = node.start_mark.line + 1 if node is not None else 1
    for step in location:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        elif isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
            if node is None:
                break
        else:
            break
        line = node.start_mark.line + 1
    return line


def read_tokens(path: Path) -> list[TokenEntry]:
    """The entries of a tokens file; TokenError naming the file and line when it cannot be read."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TokenError(f"tokens file {path} does not exist (TOUSU_TOKENS_FILE)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TokenError(f"tokens file {path} cannot be read: {error}") from None
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        # the problem only: the parser's own message quotes the line, which may hold a token
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or type(error).__name__
        raise TokenError(f"tokens file {path}, line {line}: not valid YAML: {problem}") from None
    try:
        return TokensFile.model_validate(data).tokens
    except ValidationError as error:
        # the message and field only: pydantic's own text quotes the input, which may be a token
        first = error.errors()[0]
        line = _line_of(source, first["loc"])
        field = ".".join(str(step) for step in first["loc"]) or "tokens"
        raise TokenError(f"tokens file {path}, line {line}: {field}: {first['msg']}") from None


class TokenRegistry:
    """The tokens of the file; when it came from a file (``source``), the file is read again once
    it changes, at most every ``check_seconds``."""

    def __init__(
        self,
        entries: list[TokenEntry],
        *,
        source: Path | None = None,
        check_seconds: float = RELOAD_CHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = _Tokens.of(entries)
        self.source = source
        self._stamp = _stamp(source) if source is not None else None
        self._check_seconds = check_seconds
        self._monotonic = monotonic
        self._next_check = monotonic() + check_seconds

    @classmethod
    def from_file(cls, path: Path, *, check_seconds: float = RELOAD_CHECK_SECONDS) -> TokenRegistry:
        stamp = _stamp(path)  # before reading: a change while it is read is read again
        registry = cls(read_tokens(path), source=path, check_seconds=check_seconds)
        registry._stamp = stamp
        return registry

    def refresh(self) -> bool:
        """Read the file again when it changed since it was last read; True when new tokens are
        in force. A file that cannot be read keeps the tokens read before (and is logged)."""
        if self.source is None:
            return False
        now = self._monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + self._check_seconds
        stamp = _stamp(self.source)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            entries = read_tokens(self.source)
        except TokenError as error:
            log.error(
                "the tokens file changed but cannot be read; the tokens read before stay in force",
                extra={"error": str(error)},
            )
            return False
        self._tokens = _Tokens.of(entries)
        log.info("tokens file read again", extra={"tokens": len(entries)})
        return True

    @property
    def signer(self) -> SessionSigner:
        self.refresh()
        return self._tokens.signer

    @property
    def people(self) -> list[Principal]:
        """Whom the file holds tokens for, in file order (one per entry)."""
        self.refresh()
        return [principal for _, principal in self._tokens.secrets]

    def holders(self, role: Role, department: str | None = None) -> list[Principal]:
        """Who holds a token of ``role`` (of ``department`` when given), each subject once: the
        people a notification to that role reaches."""
        found: dict[str, Principal] = {}
        for principal in self.people:
            if principal.role is role and (department is None or principal.department == department):
                found.setdefault(principal.subject, principal)
        return list(found.values())

    def resolve(self, token: str) -> Principal | None:
        self.refresh()
        found = None
        given = token.encode()
        # compare every entry in constant time: timing leaks nothing
        for secret, principal in self._tokens.secrets:
            if hmac.compare_digest(secret, given):
                found = principal
        return found

    def sign_in(self, subject: str, token: str) -> tuple[Principal, str] | None:
        """The principal and token fingerprint when ``token`` is ``subject``'s; None otherwise."""
        principal = self.resolve(token)
        if principal is None or not hmac.compare_digest(principal.subject.encode(), subject.encode()):
            return None
        return principal, token_fingerprint(token)

    def departments(self) -> list[str | None]:
        """The department codes the entries name."""
        self.refresh()
        return [principal.department for _, principal in self._tokens.secrets]

    def by_token_id(self, token_id: str) -> Principal | None:
        """The principal of a session's token entry; None once the token left the file."""
        self.refresh()
        return self._tokens.by_token_id.get(token_id)


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
    now = sessions.clock.now().timestamp()
    claims = registry.signer.open(value, now)
    single_sign_on: SessionSigner | None = getattr(request.app.state, "oidc_signer", None)
    if claims is None and single_sign_on is not None:  # a session from the OIDC provider (oidc.py)
        claims = single_sign_on.open(value, now)
    return claims


def session_principal(
    record: SessionRecord, registry: TokenRegistry, single_sign_on: SessionSigner | None = None
) -> Principal | None:
    """Who a session is: from its row when single sign-on started it (None once the provider's
    configuration, whose key ``single_sign_on`` holds, changed or went), else from its token
    entry (None once that entry left the file)."""
    if record.role is not None:
        if single_sign_on is None or not single_sign_on.knows(record.token_id):
            return None
        try:
            role = Role(record.role)
        except ValueError:  # a role this version no longer has opens nothing
            return None
        return Principal(subject=record.subject, role=role, department=record.department, name=record.name)
    return registry.by_token_id(record.token_id)


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
    found = await _look_up(request, used=BACKGROUND_HEADER not in request.headers)
    request.state.live_session = found
    return found


async def _look_up(request: Request, *, used: bool) -> LiveSession | None:
    claims = session_claims(request)
    if claims is None:
        return None
    sessions: Sessions = request.app.state.sessions
    record = await sessions.live(claims, used=used)
    registry: TokenRegistry = request.app.state.tokens
    single_sign_on = getattr(request.app.state, "oidc_signer", None)
    principal = session_principal(record, registry, single_sign_on) if record is not None else None
    if record is None or principal is None:
        return None
    return LiveSession(claims, record, principal)


def by_session(request: Request) -> bool:
    """The request is judged by its session cookie (no Authorization header), as :func:`authenticate` does."""
    return not request.headers.get("authorization") and SESSION_COOKIE in request.cookies


async def still_live(request: Request) -> bool:
    """For a response that outlasts its request (the live stream): the session it was opened
    with is live now, its token entry still in the file; asking is not use of the session."""
    return await _look_up(request, used=False) is not None


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
    if by_session(request):
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
