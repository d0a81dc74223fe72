"""Bearer tokens → who is calling, in which role. Every HTTP API depends on this.

Tokens live in a YAML file (`tousu up` writes development tokens into its data directory):

    tokens:
      - {token: "...", subject: web-form, role: channel}
      - {token: "...", subject: agent-wang, role: agent, department: quality}

A missing or unknown token is 401. The actor of every event is the principal resolved here,
never a value from the request body.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated

import yaml
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events import Actor, Role

HUMAN_ROLES = {Role.CHANNEL, Role.AGENT, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR, Role.ADMIN}


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(min_length=16, description="The bearer secret.")
    subject: str = Field(min_length=1, description="Who holds it: a channel name or a person.")
    role: Role
    department: str | None = None

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
            (e.token.encode(), Principal(subject=e.subject, role=e.role, department=e.department))
            for e in entries
        ]

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


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"error": "unauthorized", "message": detail},
        headers={"WWW-Authenticate": "Bearer"},
    )


async def authenticate(request: Request) -> Principal:
    # async def although it never awaits: FastAPI runs a plain def dependency in a worker thread,
    # two thread hand-overs per request (this and ``require``'s check) for a few microseconds of work
    registry: TokenRegistry = request.app.state.tokens
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("a bearer token is required")
    principal = registry.resolve(token.strip())
    if principal is None:
        raise _unauthorized("unknown token")
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
        # async although it never awaits: FastAPI runs a plain def dependency in a worker thread
        principal = await authenticate(request)
        if self.allowed is not None and principal.role not in self.allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "error": "forbidden",
                    "message": f"role {principal.role} may not do this; allowed: "
                    + ", ".join(sorted(r.value for r in self.allowed)),
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
