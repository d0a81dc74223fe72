"""Browser sessions: a signed, expiring cookie that stands for one entry of the tokens file.

People sign in on the web pages with their subject and token (the same secret a machine sends as
a bearer token); the browser then holds only an HttpOnly cookie, never the token, so a script
injected into the page cannot read a credential. Every service checks the cookie the same way
(``shared.service.auth.authenticate``), the bearer API for machines is unchanged.

The cookie is stateless: ``base64url(claims).base64url(HMAC-SHA256(key, claims))`` where the
claims name the token entry by a fingerprint (never the token), the expiry and a CSRF secret.
The key is derived from all tokens in the file, so every service reading the same file agrees on
it without more configuration, and replacing the file (or any token in it) ends every session.
A token removed from the file ends its sessions at once: the fingerprint no longer resolves.

Cross-site request forgery: the cookie is SameSite=Strict, and a request that changes state
(any method but GET, HEAD, OPTIONS) made with the cookie must also carry the session's CSRF
secret in the ``X-CSRF-Token`` header. The page learns the secret from the sign-in answer (or
``GET /v1/session``) and keeps it in memory only; another site can neither read it nor set the
header without a CORS preflight that no service answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

SESSION_COOKIE = "tousu_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_LIFETIME_SECONDS = 8 * 3600
"""A working day: long enough for a shift, short enough that a forgotten browser signs out."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_fingerprint(token: str) -> str:
    """Names a token entry in a cookie without revealing the token (a one-way digest)."""
    return hashlib.sha256(b"tousu-token-id\0" + token.encode()).hexdigest()[:32]


def session_key(tokens: list[str]) -> bytes:
    """The signing key, derived from every token of the file: secret while the tokens are."""
    digest = hmac.new(b"tousu-session-key-v1", digestmod=hashlib.sha256)
    for token in sorted(tokens):
        digest.update(token.encode() + b"\0")
    return digest.digest()


@dataclass(frozen=True)
class SessionClaims:
    token_id: str
    expires_at: int
    """Unix seconds."""
    csrf: str


class SessionSigner:
    def __init__(self, key: bytes, lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS) -> None:
        self._key = key
        self.lifetime_seconds = lifetime_seconds

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(self, token_id: str, now: float) -> tuple[str, SessionClaims]:
        """A new session for a token entry: the cookie's value and its claims."""
        claims = SessionClaims(
            token_id=token_id, expires_at=int(now) + self.lifetime_seconds, csrf=secrets.token_urlsafe(24)
        )
        payload = json.dumps(
            {"tid": claims.token_id, "exp": claims.expires_at, "csrf": claims.csrf}, separators=(",", ":")
        ).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}", claims

    def open(self, value: str, now: float) -> SessionClaims | None:
        """The claims of a cookie this key signed and that has not expired; None otherwise."""
        encoded, _, signature = value.partition(".")
        try:
            payload = _unb64(encoded)
            given = _unb64(signature)
        except ValueError:
            return None
        if not hmac.compare_digest(given, self._mac(payload)):
            return None
        try:
            data = json.loads(payload)
            claims = SessionClaims(
                token_id=str(data["tid"]), expires_at=int(data["exp"]), csrf=str(data["csrf"])
            )
        except (ValueError, KeyError, TypeError):
            return None
        return claims if now < claims.expires_at else None


def csrf_ok(method: str, header: str | None, claims: SessionClaims) -> bool:
    """A safe method needs nothing; any other needs the session's CSRF secret in the header."""
    if method.upper() in SAFE_METHODS:
        return True
    return header is not None and hmac.compare_digest(header.encode(), claims.csrf.encode())
