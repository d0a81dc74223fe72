"""Single sign-on with an OpenID Connect provider (Keycloak, Azure AD / Entra ID, Okta, …) for the
web pages: the authorization code flow with PKCE, the ID token checked here, and who the person is
in tousu read from its claims. The routes are in oidc_api.py.

Who a person is comes from two claims of the ID token, whose values are tousu codes:
``TOUSU_OIDC_ROLE_CLAIM`` (default ``tousu_role``) a role code, ``TOUSU_OIDC_DEPARTMENT_CLAIM``
(default ``tousu_department``) a department code. A claim may be a string or a list (the app
roles of Azure AD, the realm roles of Keycloak): values that are not tousu codes are ignored,
and exactly one must remain, else the person is refused (a clear 403, never a guess at the
stronger or weaker role). A dotted name reaches into objects (``realm_access.roles``). The
provider is where people and their roles are managed; tousu keeps no second list to drift from it.

The person's subject in tousu (the actor of what they do, the admins' list of sessions) is
``oidc:`` and the ID token's ``sub``: the one identifier OpenID Connect promises stable and unique
at an issuer (an email address can change hands). The display name comes from ``name`` (else
``preferred_username``, else ``email``).

Such a session is a row of ``web_sessions`` like any other, with the role, department and name
(migration 0020); its cookie is signed with a key derived from the client secret, which every
service reads from the same settings, so rotating the secret ends every single sign-on session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from shared.complaints.values import DEPARTMENTS
from shared.events import Role
from shared.service.auth import DEPARTMENT_SCOPED_ROLES, HUMAN_ROLES
from shared.service.session import SessionSigner
from shared.settings import Settings

log = logging.getLogger("tousu.oidc")

SUBJECT_PREFIX = "oidc:"
FLOW_COOKIE = "tousu_oidc_flow"
FLOW_SECONDS = 600
"""How long a person may take at the provider between leaving the sign-in page and coming back."""
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
"""Asymmetric only: an HS256 token would be signed with the client secret, a key tousu shares."""
METADATA_SECONDS = 3600.0
JWKS_REFRESH_SECONDS = 60.0
"""A token signed with an unknown key fetches the key set again, at most this often (key rotation)."""
HTTP_TIMEOUT = 10.0
SIGN_IN_ROLES = frozenset(HUMAN_ROLES)
"""Every role a person holds, as in the tokens file (not the services' own, nor the complainant's)."""
MAX_TEXT = 200


@dataclass(frozen=True)
class Refusal(Exception):
    """A sign-in that cannot go on: an HTTP status, a code, and why in both languages."""

    status: int
    error: str
    message: str
    message_zh: str

    def body(self) -> dict[str, str]:
        return {"error": self.error, "message": self.message, "message_zh": self.message_zh}


def _invalid_token(reason: str, zh: str) -> Refusal:
    return Refusal(401, "oidc_token_invalid", f"the identity provider's answer is not valid: {reason}", zh)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str | None
    scopes: str
    provider_name: str
    role_claim: str
    department_claim: str
    name_claim: str
    leeway_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """None when no provider is configured; a configured one without a secret is an error."""
        if not settings.oidc_configured:
            return None
        secret = settings.resolved_oidc_client_secret()
        if secret is None:
            raise ValueError(
                "TOUSU_OIDC_ISSUER is set but no client secret: set TOUSU_OIDC_CLIENT_SECRET or "
                "TOUSU_OIDC_CLIENT_SECRET_FILE (tousu signs in as a confidential client)"
            )
        return cls(
            issuer=str(settings.oidc_issuer).rstrip("/"),
            client_id=str(settings.oidc_client_id),
            client_secret=secret,
            redirect_url=settings.oidc_redirect_url,
            scopes=" ".join(dict.fromkeys(["openid", *settings.oidc_scopes.split()])),
            provider_name=settings.oidc_provider_name.strip(),
            role_claim=settings.oidc_role_claim,
            department_claim=settings.oidc_department_claim,
            name_claim=settings.oidc_name_claim,
            leeway_seconds=settings.oidc_leeway_seconds,
        )

    def _derived(self, purpose: bytes) -> bytes:
        material = "\0".join((self.issuer, self.client_id, self.client_secret)).encode()
        return hmac.new(purpose, material, hashlib.sha256).digest()

    @property
    def token_id(self) -> str:
        """What a single sign-on session's row names instead of a token entry (at most 64)."""
        return SUBJECT_PREFIX + self._derived(b"tousu-oidc-token-id").hex()[:32]

    def session_signer(self) -> SessionSigner:
        return SessionSigner({self.token_id: self._derived(b"tousu-oidc-session-key")})

    @property
    def flow_key(self) -> bytes:
        return self._derived(b"tousu-oidc-flow-key")


def session_signer(settings: Settings) -> SessionSigner | None:
    """The signer of single sign-on sessions' cookies, for every service; None without a provider."""
    config = OidcConfig.from_settings(settings)
    return config.session_signer() if config is not None else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Flow:
    """What the browser carries to the provider and back, in a signed HttpOnly cookie."""

    state: str
    nonce: str
    verifier: str
    redirect_url: str
    expires_at: int

    @classmethod
    def begin(cls, redirect_url: str, now: float) -> Flow:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(48),  # 64 characters: within PKCE's 43–128
            redirect_url=redirect_url,
            expires_at=int(now) + FLOW_SECONDS,
        )

    @property
    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode("ascii")).digest())

    def seal(self, key: bytes) -> str:
        payload = json.dumps(
            {
                "s": self.state,
                "n": self.nonce,
                "v": self.verifier,
                "r": self.redirect_url,
                "e": self.expires_at,
            },
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(hmac.new(key, payload, hashlib.sha256).digest())}"

    @classmethod
    def open(cls, value: str | None, key: bytes, now: float) -> Flow:
        refused = Refusal(
            400,
            "oidc_flow_expired",
            "this sign-in was not started here or took too long; start it again",
            "本次登录不是从本站发起或已超时，请重新登录。",
        )
        if not value:
            raise refused
        encoded, _, signature = value.partition(".")
        try:
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(signature), hmac.new(key, payload, hashlib.sha256).digest()):
                raise refused
            data = json.loads(payload)
            flow = cls(str(data["s"]), str(data["n"]), str(data["v"]), str(data["r"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            raise refused from None
        if now >= flow.expires_at:
            raise refused
        return flow


@dataclass
class Provider:
    """The provider's metadata and keys, fetched when first needed and kept a while."""

    config: OidcConfig
    transport: httpx.AsyncBaseTransport | None = None
    _metadata: dict[str, Any] | None = None
    _metadata_at: float = 0.0
    _keys: jwt.PyJWKSet | None = None
    _keys_at: float = field(default=-JWKS_REFRESH_SECONDS)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=HTTP_TIMEOUT, transport=self.transport)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self.client() as client:
                answer = await client.get(url, headers={"Accept": "application/json"})
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            raise _unreachable(type(error).__name__) from None
        if not isinstance(data, dict):
            raise _unreachable("not a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_SECONDS:
            data = await self._get_json(f"{self.config.issuer}/.well-known/openid-configuration")
            needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if any(not isinstance(data.get(name), str) for name in needed):
                raise _unreachable("discovery document lacks " + ", ".join(needed))
            if data["issuer"].rstrip("/") != self.config.issuer:
                raise _unreachable(f"discovery names issuer {data['issuer']!r}")
            self._metadata, self._metadata_at = data, time.monotonic()
        return self._metadata

    async def signing_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        for refresh in (False, True):
            if refresh or self._keys is None:
                if refresh and time.monotonic() - self._keys_at < JWKS_REFRESH_SECONDS:
                    break
                metadata = await self.metadata()
                try:
                    self._keys = jwt.PyJWKSet.from_dict(await self._get_json(metadata["jwks_uri"]))
                except jwt.PyJWTError:
                    raise _unreachable("its key set (JWKS) is unreadable") from None
                self._keys_at = time.monotonic()
            found = [
                key
                for key in self._keys.keys
                if (key.key_id == kid if kid is not None else key.algorithm_name == algorithm)
            ]
            if found:
                return found[0]
        raise _invalid_token(
            "signed with a key the provider does not publish", "身份令牌的签名密钥未由身份提供方公布。"
        )

    async def redeem(self, code: str, flow: Flow) -> str:
        """The ID token for the authorization code (the code verifier proves this browser began it)."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.redirect_url,
            "code_verifier": flow.verifier,
            "client_id": self.config.client_id,
        }
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        headers = {"Accept": "application/json"}
        if "client_secret_basic" in methods:
            # RFC 6749 2.3.1: each part form-encoded before Base64
            pair = f"{quote(self.config.client_id, safe='')}:{quote(self.config.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form["client_secret"] = self.config.client_secret
        try:
            async with self.client() as client:
                answer = await client.post(metadata["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as error:
            raise _unreachable(type(error).__name__) from None
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code != 200 or not isinstance(data.get("id_token"), str):
            reason = data.get("error", answer.status_code) if isinstance(data, dict) else answer.status_code
            raise Refusal(
                502,
                "oidc_code_refused",
                f"the identity provider did not accept the sign-in ({reason}); start it again",
                "身份提供方未接受本次登录，请重新登录。",
            )
        id_token: str = data["id_token"]
        return id_token


def _unreachable(reason: str) -> Refusal:
    log.warning("OIDC provider unavailable: %s", reason, extra={"reason": reason})
    return Refusal(
        502,
        "oidc_provider_unavailable",
        "the identity provider cannot be reached or answered wrongly; try again later "
        "or sign in with a token",
        "暂时无法连接身份提供方，请稍后再试或使用访问令牌登录。",
    )


async def verified_claims(provider: Provider, id_token: str, nonce: str, now: float) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's published keys), issuer,
    audience, times (``now`` from the service's clock, with the leeway) and nonce are right."""
    config = provider.config
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise _invalid_token("the ID token is malformed", "身份令牌格式错误。") from None
    if header.get("alg") not in ALGORITHMS:
        raise _invalid_token(
            f"algorithm {header.get('alg')!r} is not accepted", "身份令牌的签名算法不被接受。"
        )
    key = await provider.signing_key(header.get("kid"), str(header["alg"]))
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=[str(header["alg"])],
            audience=config.client_id,
            issuer=(await provider.metadata())["issuer"],
            # the times are judged below by the injected clock, not the machine's
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["exp", "iat", "sub"],
            },
        )
    except jwt.InvalidSignatureError:
        raise _invalid_token("its signature does not verify", "身份令牌签名无效。") from None
    except jwt.InvalidAudienceError:
        raise _invalid_token("it is meant for another application", "身份令牌不是签发给本系统的。") from None
    except jwt.InvalidIssuerError:
        raise _invalid_token("another issuer signed it", "身份令牌的签发方不符。") from None
    except jwt.PyJWTError as error:
        raise _invalid_token(f"it cannot be read ({error})", "身份令牌无法验证。") from None
    _check_times(claims, now, config.leeway_seconds)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise _invalid_token("it was issued to another party (azp)", "身份令牌不是签发给本系统的。")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise _invalid_token("it does not belong to this sign-in (nonce)", "身份令牌与本次登录不符。")
    return claims


def _check_times(claims: Mapping[str, Any], now: float, leeway: int) -> None:
    try:
        expires, issued = float(claims["exp"]), float(claims["iat"])
        not_before = float(claims.get("nbf", issued))
    except (TypeError, ValueError):
        raise _invalid_token("its times are not numbers", "身份令牌的时间无效。") from None
    if now >= expires + leeway:
        raise _invalid_token("it has expired", "身份令牌已过期。")
    if issued > now + leeway or not_before > now + leeway:
        raise _invalid_token(
            "it is issued in the future (check the clocks)", "身份令牌的签发时间晚于当前时间（请检查时钟）。"
        )


def _claim(claims: Mapping[str, Any], path: str) -> list[str]:
    """The claim's string values (a string is one value, a list many); a dotted path reaches into objects."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


@dataclass(frozen=True)
class Identity:
    subject: str
    role: Role
    department: str | None
    name: str | None


def identity(claims: Mapping[str, Any], config: OidcConfig, departments: frozenset[str]) -> Identity:
    """Who the person is in tousu, or a 403 saying what their account at the provider lacks."""
    roles = sorted({value for value in _claim(claims, config.role_claim) if value in set(SIGN_IN_ROLES)})
    if not roles:
        raise Refusal(
            403,
            "oidc_no_role",
            f"your account has no tousu role (claim {config.role_claim}); "
            "ask an administrator to give you one",
            "您的账号未被授予本系统的角色，请联系管理员开通。",
        )
    if len(roles) > 1:
        raise Refusal(
            403,
            "oidc_ambiguous_role",
            f"your account has several tousu roles ({', '.join(roles)}); ask an administrator to keep one",
            "您的账号被授予了多个本系统角色，请联系管理员只保留一个。",
        )
    role = Role(roles[0])
    department = _department(claims, config, departments, role)
    sub = str(claims["sub"])
    subject = SUBJECT_PREFIX + sub
    # sub may be 255 characters (or hold what the database cannot store): the digest keeps it
    # stable and unique
    if len(subject) > MAX_TEXT or not sub.isprintable():
        subject = SUBJECT_PREFIX + hashlib.sha256(sub.encode()).hexdigest()
    names = [
        *_claim(claims, config.name_claim),
        *_claim(claims, "preferred_username"),
        *_claim(claims, "email"),
    ]
    shown = ("".join(character for character in value if character.isprintable()).strip() for value in names)
    name = next((value[:MAX_TEXT] for value in shown if value), None)
    return Identity(subject=subject, role=role, department=department, name=name)


def _department(
    claims: Mapping[str, Any], config: OidcConfig, departments: frozenset[str], role: Role
) -> str | None:
    given = sorted(set(_claim(claims, config.department_claim)))
    known = [value for value in given if value in departments]
    if given and not known:
        raise Refusal(
            403,
            "oidc_unknown_department",
            f"your account's department ({', '.join(given)[:MAX_TEXT]}) is not one tousu knows; "
            "ask an administrator to correct it",
            "您的账号所属部门不是本系统已知的部门，请联系管理员更正。",
        )
    if len(known) > 1:
        raise Refusal(
            403,
            "oidc_ambiguous_department",
            f"your account has several departments ({', '.join(known)}); ask an administrator to keep one",
            "您的账号属于多个部门，请联系管理员只保留一个。",
        )
    if role in DEPARTMENT_SCOPED_ROLES and not known:
        raise Refusal(
            403,
            "oidc_no_department",
            f"an agent or department head needs a department (claim {config.department_claim}); "
            "ask an administrator to set it",
            "处理人员或部门负责人账号须设置所属部门，请联系管理员设置。",
        )
    return known[0] if known else None


def known_departments(token_departments: list[str | None]) -> frozenset[str]:
    """The labelled department codes and those the tokens file's agents use."""
    return frozenset(DEPARTMENTS) | {code for code in token_departments if code}
