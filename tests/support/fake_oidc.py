"""A small OpenID Connect provider for tests, served over real HTTP (tests/support/serving.py):
discovery, an authorize endpoint that approves at once and sends the browser back with a code,
a token endpoint that checks the client secret and the PKCE verifier, and its key set. It signs
ID tokens with keys made by the test (RS256 and ES256); ``Behaviour`` makes it misbehave in the
ways a provider, or someone in the middle, might."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse

from shared.clock import Clock

CLIENT_ID = "tousu-test"
CLIENT_SECRET = "a-test-client-secret-0123456789"


@dataclass
class Behaviour:
    """What the next sign-in's ID token says and how it is made; reset before each test."""

    claims: dict[str, Any] = field(default_factory=dict)
    """Claims added to (or replacing) the usual ones; a value of None removes a claim."""
    algorithm: str = "RS256"
    stranger_key: bool = False
    """Sign with a key the provider does not publish under the published key id."""
    with_kid: bool = True
    """Name the key in the token's header (else the client picks the published key of its algorithm)."""
    nonce: str | None = None
    state: str | None = None
    """The state sent back instead of the one received."""
    lifetime_seconds: int = 300
    issued_offset_seconds: int = 0


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str


def _public_jwk(key: Any, kid: str, algorithm: str) -> dict[str, Any]:
    codec = jwt.algorithms.RSAAlgorithm if algorithm == "RS256" else jwt.algorithms.ECAlgorithm
    jwk: dict[str, Any] = codec.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


class FakeProvider:
    def __init__(self, clock: Clock, base_url: str) -> None:
        self.clock = clock
        self.issuer = base_url
        self.behaviour = Behaviour()
        self.keys = {
            "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": ec.generate_private_key(ec.SECP256R1()),
        }
        self.stranger = {
            "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": ec.generate_private_key(ec.SECP256R1()),
        }
        self.grants: dict[str, Grant] = {}
        self.app = self._app()

    def person(self, role: str | list[str] | None, department: str | None = None, **claims: Any) -> None:
        """Who signs in next (the role and department claims under their default names)."""
        self.behaviour = Behaviour(
            claims={"tousu_role": role, "tousu_department": department, **claims},
            algorithm=self.behaviour.algorithm,
        )

    def id_token(self, grant: Grant) -> str:
        behaviour = self.behaviour
        now = int(self.clock.now().timestamp()) + behaviour.issued_offset_seconds
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "person-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + behaviour.lifetime_seconds,
            "nonce": behaviour.nonce or grant.nonce,
            "name": "王芳",
        }
        claims.update(behaviour.claims)
        claims = {name: value for name, value in claims.items() if value is not None}
        keys = self.stranger if behaviour.stranger_key else self.keys
        key = keys[behaviour.algorithm]
        return jwt.encode(
            claims,
            key,
            algorithm=behaviour.algorithm,
            headers={"kid": behaviour.algorithm} if behaviour.with_kid else None,
        )

    def _app(self) -> FastAPI:  # long: the provider's five endpoints read best side by side
        app = FastAPI(title="fake OIDC provider")

        @app.get("/readyz")
        async def ready() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return {"keys": [_public_jwk(key, name, name) for name, key in self.keys.items()]}

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            query = request.query_params
            if (
                query.get("client_id") != CLIENT_ID
                or query.get("response_type") != "code"
                or query.get("code_challenge_method") != "S256"
                or "openid" not in query.get("scope", "").split()
            ):
                raise HTTPException(400, "bad authorization request")
            code = secrets.token_urlsafe(16)
            self.grants[code] = Grant(query["redirect_uri"], query["code_challenge"], query["nonce"])
            state = self.behaviour.state or query["state"]
            return RedirectResponse(
                f"{query['redirect_uri']}?{urlencode({'code': code, 'state': state})}", 302
            )

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = {name: values[0] for name, values in parse_qs((await request.body()).decode()).items()}
            grant_type, redirect_uri = form.get("grant_type"), form.get("redirect_uri")
            code, code_verifier = form.get("code", ""), form.get("code_verifier", "")
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, 401)
            grant = self.grants.pop(code, None)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=")
            if (
                grant is None
                or grant_type != "authorization_code"
                or grant.redirect_uri != redirect_uri
                or challenge.decode() != grant.challenge
            ):
                return JSONResponse({"error": "invalid_grant"}, 400)
            return JSONResponse(
                {"access_token": "opaque", "token_type": "Bearer", "id_token": self.id_token(grant)}
            )

        @app.get("/logout")
        async def logout(request: Request) -> dict[str, str]:
            return dict(request.query_params)

        return app
