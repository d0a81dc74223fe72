"""Browser sessions: a signed cookie naming a session the database holds, which every service
checks on each request and which sign-out or an admin ends at once.

People sign in on the web pages with their subject and token (the same secret a machine sends as
a bearer token); the browser then holds only an HttpOnly cookie, never the token, so a script
injected into the page cannot read a credential. Every service checks the cookie the same way
(``shared.service.auth.authenticate``), the bearer API for machines is unchanged.

The cookie is ``base64url(claims).base64url(HMAC-SHA256(key, claims))``; the claims are the
session id (a random secret), the fingerprint of the token entry signed in with (never the
token), the absolute expiry and a CSRF secret. The key is derived from that entry's token, so
every service reading the same tokens file agrees on it without more configuration, and a token
removed from the file (or replaced) takes its sessions with it, and only its own. The signature
lets a forged or altered cookie be refused without a database round trip.

The session itself is a row of ``web_sessions`` (migration 0019), keyed by a digest of the id: a
copy of the table (a backup, a replica) holds nothing a browser could present. The row names the
token entry by its fingerprint (never the token), and keeps when the session began, when it was
last used, when it expires, and when and why it ended. A session is live while it is not revoked,
not past its absolute expiry (``TOUSU_SESSION_LIFETIME_SECONDS``, 8 hours), not idle longer than
``TOUSU_SESSION_IDLE_SECONDS`` (30 minutes) and its token entry is still in the tokens file.

Each service checks a cookie's session with one lookup by the indexed digest, remembered for
``TOUSU_SESSION_CHECK_CACHE_SECONDS`` (5 s) per process: a revocation is seen at once by the
process that made it and within that many seconds by the others (0 turns the memory off: one
lookup per request). "Last used" is written at most once per :func:`touch_interval`, so a busy
page costs one small UPDATE a minute, not one per request; the idle timeout can thus fall due up
to that interval early. A request with the ``X-Tousu-Background`` header (what a page fetches by
itself) is checked but not counted as use.

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
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from shared.clock import Clock
from shared.settings import Settings

SESSION_COOKIE = "tousu_session"
CSRF_HEADER = "X-CSRF-Token"
BACKGROUND_HEADER = "X-Tousu-Background"
"""Sent (any value) by a page on the requests it makes by itself (a refresh on a live update):
they are checked like any other but do not count as use, so a page left open on a busy system
still goes idle."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_LIFETIME_SECONDS = 8 * 3600
"""A working day: long enough for a shift, short enough that a forgotten browser signs out."""
DEFAULT_IDLE_SECONDS = 30 * 60
"""Half an hour without a request: a desk left unlocked over lunch is signed out; reading one
complaint's history, or a meeting between two actions, is not."""
DEFAULT_CACHE_SECONDS = 5.0
"""How long a process trusts its last look at a session before asking the database again."""
MAX_TOUCH_INTERVAL_SECONDS = 60
CACHE_LIMIT = 10_000
"""Sessions one process remembers; past it the memory starts afresh (a few lookups more)."""
USER_AGENT_LIMIT = 120
KEPT_AFTER_EXPIRY = timedelta(days=30)
"""How long an ended session stays listed for the admins (who signed in from where, and when),
counted from its absolute expiry; then the analytics service deletes it (session_pruning.py)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_fingerprint(token: str) -> str:
    """Names a token entry without revealing the token (a one-way digest)."""
    return hashlib.sha256(b"tousu-token-id\0" + token.encode()).hexdigest()[:32]


def session_key(token: str) -> bytes:
    """The key signing the cookies of one token entry's sessions, derived from its token: secret
    while the token is, and gone with it (the other entries' sessions keep theirs)."""
    return hmac.new(b"tousu-session-key-v2", token.encode(), hashlib.sha256).digest()


def secret_digest(session_id: str) -> bytes:
    """What the database keeps of a session id: a leaked table opens no session. The id is 256
    random bits, so a plain digest (no salt, no stretching) cannot be searched."""
    return hashlib.sha256(b"tousu-session\0" + session_id.encode()).digest()


@dataclass(frozen=True)
class SessionClaims:
    session_id: str
    token_id: str
    """The fingerprint of the token entry signed in with: which key signed the cookie."""
    expires_at: int
    """Unix seconds."""
    csrf: str


class SessionSigner:
    """Signs each cookie with the key of its own token entry (``keys``: fingerprint → key)."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        self._keys = dict(keys)

    @classmethod
    def for_tokens(cls, tokens: Iterable[str]) -> SessionSigner:
        return cls({token_fingerprint(token): session_key(token) for token in tokens})

    def knows(self, token_id: str) -> bool:
        return token_id in self._keys

    def issue(self, token_id: str, now: float, lifetime_seconds: int) -> tuple[str, SessionClaims]:
        """A new session id of a token entry, with its CSRF secret: the cookie's value and claims."""
        claims = SessionClaims(
            session_id=secrets.token_urlsafe(32),
            token_id=token_id,
            expires_at=int(now) + lifetime_seconds,
            csrf=secrets.token_urlsafe(24),
        )
        payload = json.dumps(
            {"sid": claims.session_id, "tid": token_id, "exp": claims.expires_at, "csrf": claims.csrf},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._mac(self._keys[token_id], payload))}", claims

    @staticmethod
    def _mac(key: bytes, payload: bytes) -> bytes:
        return hmac.new(key, payload, hashlib.sha256).digest()

    def open(self, value: str, now: float) -> SessionClaims | None:
        """The claims of a cookie signed with the key of a token entry of the file and not past
        its expiry; None otherwise (whether its session is still live is the database's to say:
        :class:`Sessions`)."""
        encoded, _, signature = value.partition(".")
        try:
            payload = _unb64(encoded)
            given = _unb64(signature)
            data = json.loads(payload)  # read before the signature is checked, to pick the key
            claims = SessionClaims(
                session_id=str(data["sid"]),
                token_id=str(data["tid"]),
                expires_at=int(data["exp"]),
                csrf=str(data["csrf"]),
            )
        except (ValueError, KeyError, TypeError):  # a cookie of the stateless format before 0019 too
            return None
        key = self._keys.get(claims.token_id)
        if key is None or not hmac.compare_digest(given, self._mac(key, payload)):
            return None
        return claims if now < claims.expires_at else None


def csrf_ok(method: str, header: str | None, claims: SessionClaims) -> bool:
    """A safe method needs nothing; any other needs the session's CSRF secret in the header."""
    if method.upper() in SAFE_METHODS:
        return True
    return header is not None and hmac.compare_digest(header.encode(), claims.csrf.encode())


class Ending(StrEnum):
    """Why a session is not live (``None``: it is)."""

    SIGNED_OUT = "signed_out"
    REVOKED = "revoked"
    """By an admin."""
    EXPIRED = "expired"
    IDLE = "idle"
    TOKEN_REMOVED = "token_removed"
    """Its token entry left the tokens file (judged by the caller, who holds the file)."""


@dataclass(frozen=True)
class SessionPolicy:
    lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS
    idle_seconds: int = DEFAULT_IDLE_SECONDS
    cache_seconds: float = DEFAULT_CACHE_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            lifetime_seconds=settings.session_lifetime_seconds,
            idle_seconds=settings.session_idle_seconds,
            cache_seconds=settings.session_check_cache_seconds,
        )

    @property
    def touch_interval(self) -> timedelta:
        """How stale "last used" may get: a minute, or a quarter of a short idle timeout."""
        return timedelta(seconds=min(MAX_TOUCH_INTERVAL_SECONDS, self.idle_seconds / 4))


@dataclass(frozen=True)
class SessionRecord:
    """One row of ``web_sessions``; ``id`` is its public handle (the admin API), never the secret."""

    id: uuid.UUID
    token_id: str
    subject: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: Ending | None = None
    revoked_by: str | None = None
    role: str | None = None
    """Set for a session from single sign-on (shared/service/oidc.py): who it is comes from the
    row, as the provider said at sign-in, not from a token entry."""
    department: str | None = None
    name: str | None = None

    def ending(self, now: datetime, idle_seconds: int) -> Ending | None:
        """Why the session is over at ``now``; None while it is live (the token entry aside)."""
        if self.revoked_reason is not None:
            return self.revoked_reason
        if now >= self.expires_at:
            return Ending.EXPIRED
        if now - self.last_seen_at >= timedelta(seconds=idle_seconds):
            return Ending.IDLE
        return None

    def idle_until(self, idle_seconds: int) -> datetime:
        """When it ends if nothing more is done with it (its absolute expiry at the latest)."""
        return min(self.expires_at, self.last_seen_at + timedelta(seconds=idle_seconds))


_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Version", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def user_agent_summary(header: str | None) -> str:
    """A summary such as "Chrome 131 on Windows": enough for a person to recognise their browser
    in the list of their sessions, without keeping the full header (a fingerprinting aid)."""
    if not header:
        return ""
    browser = next(
        (
            f"{name} {found.group(1)}"
            for token, name in _BROWSERS
            if (found := re.search(rf"\b{token}/(\d+)", header)) is not None
        ),
        "",
    )
    system = next((name for token, name in _SYSTEMS if token in header), "")
    if browser and system:
        return f"{browser} on {system}"
    printable = "".join(character for character in header[:USER_AGENT_LIMIT] if character.isprintable())
    return browser or system or printable.strip()


class SessionStore(Protocol):
    """Where sessions live (``shared.service.session_store.PostgresSessionStore``)."""

    async def create(self, secret: bytes, record: SessionRecord) -> None: ...

    async def find(self, secret: bytes) -> SessionRecord | None: ...

    async def touch(self, secret: bytes, at: datetime) -> None:
        """Move "last used" forward to ``at`` (never back) while the session is not revoked."""
        ...

    async def revoke(
        self,
        at: datetime,
        reason: Ending,
        by: str | None,
        *,
        secret: bytes | None = None,
        id: uuid.UUID | None = None,
        subject: str | None = None,
    ) -> list[bytes]:
        """End the live sessions matching the one criterion given; the digests of those ended."""
        ...

    async def listed(
        self, subject: str | None, live_at: datetime | None, seen_after: datetime, limit: int
    ) -> list[SessionRecord]:
        """Newest first; with ``live_at`` only those neither revoked nor expired then, and used
        after ``seen_after`` (not idle)."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget sessions that expired before ``before``; how many."""
        ...


class Sessions:
    """A process's view of the sessions: starts, checks (with a short memory) and ends them."""

    def __init__(self, store: SessionStore, clock: Clock, policy: SessionPolicy | None = None) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy or SessionPolicy()
        self._seen: dict[bytes, tuple[SessionRecord, datetime]] = {}

    async def start(
        self,
        signer: SessionSigner,
        token_id: str,
        subject: str,
        user_agent: str | None,
        *,
        identity: tuple[str, str | None, str | None] | None = None,
    ) -> tuple[str, SessionClaims, SessionRecord]:
        """A new live session for a token entry (or, with ``identity`` — role, department, name —
        for a person from single sign-on): the cookie's value, its claims and its row."""
        now = self.clock.now()
        value, claims = signer.issue(token_id, now.timestamp(), self.policy.lifetime_seconds)
        record = SessionRecord(
            id=uuid.uuid4(),
            token_id=token_id,
            subject=subject,
            user_agent=user_agent_summary(user_agent),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=self.policy.lifetime_seconds),
        )
        if identity is not None:
            role, department, name = identity
            record = replace(record, role=role, department=department, name=name)
        await self.store.create(secret_digest(claims.session_id), record)
        return value, claims, record

    async def live(self, claims: SessionClaims, *, used: bool = True) -> SessionRecord | None:
        """The session's row while it is live (and, when ``used``, now marked used); None once it
        is not."""
        now = self.clock.now()
        secret = secret_digest(claims.session_id)
        record = self._remembered(secret, now)
        if record is None or record.ending(now, self.policy.idle_seconds) is Ending.IDLE:
            # idle by this process's memory may be busy by another's: the database decides
            record = await self.store.find(secret)
            if record is None:
                self._seen.pop(secret, None)
                return None
            self._remember(secret, record, now)
        if record.token_id != claims.token_id or record.ending(now, self.policy.idle_seconds) is not None:
            return None
        if used and now - record.last_seen_at >= self.policy.touch_interval:
            await self.store.touch(secret, now)
            record = replace(record, last_seen_at=now)
            self._remember(secret, record, now)
        return record

    def _remembered(self, secret: bytes, now: datetime) -> SessionRecord | None:
        seen = self._seen.get(secret)
        if seen is None:
            return None
        record, at = seen
        if not at <= now < at + timedelta(seconds=self.policy.cache_seconds):
            return None
        return record

    def _remember(self, secret: bytes, record: SessionRecord, now: datetime) -> None:
        if self.policy.cache_seconds <= 0:
            return
        if len(self._seen) >= CACHE_LIMIT and secret not in self._seen:
            self._seen.clear()
        self._seen[secret] = (record, now)

    async def sign_out(self, claims: SessionClaims, subject: str) -> None:
        await self._revoke(Ending.SIGNED_OUT, subject, secret=secret_digest(claims.session_id))

    async def revoke(self, id: uuid.UUID, by: str) -> bool:
        """An admin ends one session; False when it was not live (or does not exist)."""
        return bool(await self._revoke(Ending.REVOKED, by, id=id))

    async def revoke_subject(self, subject: str, by: str) -> int:
        """An admin ends every live session of a person; how many."""
        return await self._revoke(Ending.REVOKED, by, subject=subject)

    async def _revoke(
        self,
        reason: Ending,
        by: str,
        *,
        secret: bytes | None = None,
        id: uuid.UUID | None = None,
        subject: str | None = None,
    ) -> int:
        ended = await self.store.revoke(self.clock.now(), reason, by, secret=secret, id=id, subject=subject)
        for digest in ended:
            self._seen.pop(digest, None)
        return len(ended)
