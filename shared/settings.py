"""Configuration from environment variables (every one documented in README.md)."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES: tuple[str, ...] = ("intake", "routing", "sla", "feedback", "analytics")

PLAIN_SCHEMES = ("postgresql://", "postgres://")

warnings_log = logging.getLogger("tousu.database_roles")


def asyncpg_url(url: str) -> str:
    """The URL with the asyncpg driver when it names none (``postgresql://`` or ``postgres://``).

    SQLAlchemy would pick psycopg2 for a plain ``postgresql://``, which tousu does not install; the
    plain form is what `tousu up` prints and what psql and libpq take, so it has to work here too.
    """
    for scheme in PLAIN_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+asyncpg://" + url[len(scheme) :]
    return url


def database_label(url: str) -> str:
    """``host:port/database`` of a database URL, never its password (for messages)."""
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        return "(an unreadable database URL)"
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}/{unquote(parts.path.lstrip('/')) or '?'}"


_ROLE_URL = (
    "The same database as {}, as its own login role (a member of its group role, "
    "docs/database-roles.md); unset: the owner's TOUSU_DATABASE_URL, with a warning."
)

DATABASE_ROLE_KEYS: tuple[str, ...] = (*SERVICE_NAMES, "audit", "import", "dead_letters")
"""Every process that connects with a role of its own: TOUSU_<KEY>_DATABASE_URL."""


class TracingExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class Settings(BaseSettings):
    """All settings of every tousu process; each reads only what it needs."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/tousu",
        description="URL of the PostgreSQL database: postgresql://… (the asyncpg driver is used) or a "
        "SQLAlchemy URL with the asyncpg driver.",
    )
    intake_database_url: str | None = Field(None, description=_ROLE_URL.format("the intake service"))
    routing_database_url: str | None = Field(None, description=_ROLE_URL.format("the routing service"))
    sla_database_url: str | None = Field(None, description=_ROLE_URL.format("the SLA service"))
    feedback_database_url: str | None = Field(None, description=_ROLE_URL.format("the feedback service"))
    analytics_database_url: str | None = Field(
        None, description=_ROLE_URL.format("the analytics service and `tousu analytics rebuild`")
    )
    audit_database_url: str | None = Field(None, description=_ROLE_URL.format("`tousu audit`"))
    import_database_url: str | None = Field(None, description=_ROLE_URL.format("`tousu import`"))
    dead_letters_database_url: str | None = Field(None, description=_ROLE_URL.format("`tousu dead-letters`"))
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma separated.")
    kafka_idempotence: bool = Field(
        True,
        description="Use the idempotent Kafka producer. On for Apache Kafka; off for tansu, "
        "which does not implement InitProducerId.",
    )
    timezone: str = Field("Asia/Shanghai", description="The organisation's time zone for display.")
    data_dir: Path = Field(Path(".tousu"), description="Where `tousu up` keeps PostgreSQL data and tokens.")
    tokens_file: Path | None = Field(None, description="Bearer tokens file; default <data_dir>/tokens.yaml.")

    topic_intake: str = Field("tousu.intake.submissions", description="Channels publish submissions here.")
    topic_events: str = Field(
        "tousu.complaint.events", description="Every complaint event, key = complaint number."
    )
    topic_assignments: str = Field(
        "tousu.department.assignments",
        description="Assignment events for departments, key = department code.",
    )
    topic_dead_letters: str = Field("tousu.dead-letters", description="Messages that could not be processed.")
    consumer_group_prefix: str = Field(
        "tousu",
        min_length=1,
        description="Prefix of every consumer group id (<prefix>-<consumer>): every instance of a "
        "service shares its groups; two deployments on one broker need two prefixes.",
    )
    topic_service_volume: str = Field(
        "tousu.service.volume",
        description="Channels publish their service volume per local day here (the complaint rate's "
        "denominator), key = channel code.",
    )
    topic_audit_checkpoints: str = Field(
        "tousu.audit.checkpoints",
        description="Signed checkpoints of the whole event store (docs/audit.md); auditors keep it.",
    )
    topic_partitions: int = Field(6, description="Partitions created for each topic by `tousu up`.")

    intake_port: int = 8100
    routing_port: int = 8101
    sla_port: int = 8102
    feedback_port: int = 8103
    analytics_port: int = 8104
    host: str = Field("127.0.0.1", description="Interface the HTTP services bind to.")
    web_origins: list[str] = Field(
        default_factory=list,
        description="Origins of the web pages (scheme://host:port) whose scripts may call every "
        "service with the session cookie (CORS with credentials); default: the analytics service on "
        "127.0.0.1 and localhost. A JSON list, e.g. TOUSU_WEB_ORIGINS='[\"https://tousu.example.com\"]'.",
    )
    session_lifetime_seconds: int = Field(
        8 * 3600,
        ge=300,
        le=7 * 24 * 3600,
        description="Longest a sign-in to the web pages lasts, however busy (the session cookie's expiry).",
    )
    session_idle_seconds: int = Field(
        30 * 60,
        ge=20,
        description="A session of the web pages ends after this long without a request to any service.",
    )
    session_check_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="How long each process trusts its last database look at a session: a revoked "
        "session may be accepted by the other processes for up to this long; 0: one look per request.",
    )
    oidc_issuer: str | None = Field(
        None,
        description="Issuer URL of an OpenID Connect provider for signing in to the web pages "
        "(discovered at <issuer>/.well-known/openid-configuration); unset: no single sign-on.",
    )
    oidc_client_id: str | None = Field(None, description="tousu's client id at the OIDC provider.")
    oidc_client_secret: SecretStr | None = Field(
        None, description="tousu's client secret at the OIDC provider; wins over the file."
    )
    oidc_client_secret_file: Path | None = Field(
        None,
        description="A file holding the client secret (its first line), for secret stores that mount files.",
    )
    oidc_redirect_url: str | None = Field(
        None,
        description="The callback URL registered at the provider; default: <this host, as the browser "
        "named it>/v1/session/oidc/callback (set it behind a proxy that rewrites the host).",
    )
    oidc_scopes: str = Field("openid profile email", description="Scopes asked for (space separated).")
    oidc_provider_name: str = Field(
        "", description='Shown on the sign-in button ("Sign in with <name>"); default "single sign-on".'
    )
    oidc_role_claim: str = Field(
        "tousu_role",
        description="ID token claim holding the person's tousu role code (a string or a list; a dotted "
        "path such as realm_access.roles reaches into objects); exactly one value must be a role code.",
    )
    oidc_department_claim: str = Field(
        "tousu_department",
        description="ID token claim holding the person's department code (agents need one).",
    )
    oidc_name_claim: str = Field(
        "name", description="ID token claim shown as the person's name (else preferred_username, else email)."
    )
    oidc_leeway_seconds: int = Field(
        60, ge=0, le=600, description="Clock difference allowed with the provider when checking exp and iat."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body every service accepts (larger: 413); intake has its own, "
        "TOUSU_INTAKE_MAX_BODY_BYTES.",
    )

    consumer_max_attempts: int = Field(
        5, description="Attempts before a message goes to the dead-letter topic."
    )
    consumer_backoff_seconds: float = Field(0.2, description="First retry delay; doubles each attempt.")
    consumer_batch_size: int = Field(
        500, ge=1, description="Most messages a consumer handles in one transaction (one poll)."
    )
    consumer_batch_wait_ms: int = Field(
        20, ge=1, description="Longest a consumer's poll waits for messages before it returns empty."
    )
    consumer_session_timeout_ms: int = Field(
        10_000,
        ge=1000,
        description="Kafka consumer session timeout (heartbeats every third of it): how soon a dead "
        "instance's partitions go to another. On tansu a new group's first join also takes about half "
        "of it.",
    )
    consumer_commit_interval_seconds: float = Field(
        1.0,
        ge=0,
        description="Longest a consumer waits between Kafka offset commits (each after a committed "
        "transaction). What was handled is kept with its effects, so a poll handled again is skipped; "
        "0 commits after every poll.",
    )
    catch_up_interval_seconds: float = Field(
        2.0, gt=0, description="How often each consumer looks in the store for events Kafka did not deliver."
    )
    catch_up_grace_seconds: float = Field(
        5.0,
        ge=0,
        description="How long after an event was recorded a consumer leaves it to Kafka before handling "
        "it from the store.",
    )
    relay_batch_size: int = Field(500, description="Events the outbox relay publishes per batch.")
    relay_idle_seconds: float = Field(
        1.0, description="Longest wait between relay polls with no notification."
    )
    relay_probe_seconds: float = Field(
        5.0,
        gt=0,
        description="How often an idle relay checks that the broker still holds what it acknowledged.",
    )
    relay_republish_hours: float = Field(
        24.0,
        ge=0,
        description="When the broker lost its topics, the relay republishes at least the events recorded "
        "this many hours back (and whatever a consumer still needs), as a broker keeping them would hold.",
    )

    audit_signing_key_file: Path | None = Field(
        None,
        description="Ed25519 private key (PEM) that signs audit checkpoints; default "
        "<data_dir>/audit/signing-key.pem when it exists (`tousu up` creates it). Never in the database.",
    )
    audit_signing_key: SecretStr | None = Field(
        None,
        description="The signing key's PEM itself, for secret stores that hand out environment "
        "variables; wins over the file.",
    )
    audit_checkpoint_dir: Path | None = Field(
        None, description="Where signed checkpoints are written; default <data_dir>/audit/checkpoints."
    )
    audit_checkpoint_interval_seconds: float = Field(
        300.0,
        ge=0,
        description="How often a service makes a signed checkpoint of the store when a signing key "
        "is configured (one service at a time); 0: only `tousu audit checkpoint`.",
    )
    audit_checkpoint_max_events: int = Field(
        100_000, ge=1, description="Most events one checkpoint adds (a long backlog gives several)."
    )

    tracing_exporter: TracingExporter = Field(TracingExporter.NONE, description="none, console or otlp.")
    otlp_endpoint: str | None = Field(None, description="OTLP/HTTP endpoint when tracing_exporter=otlp.")
    log_level: str = Field("INFO", description="Python log level.")

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        return asyncpg_url(value.strip())

    @field_validator(*(f"{key}_database_url" for key in DATABASE_ROLE_KEYS))
    @classmethod
    def _role_url(cls, value: str | None) -> str | None:
        """An empty value means unset (so a command can clear one inherited from elsewhere)."""
        return asyncpg_url(value.strip()) if value and value.strip() else None

    def role_database_url(self, key: str) -> str | None:
        """The URL the process ``key`` connects with as its own role; None: none configured."""
        url: str | None = getattr(self, f"{key}_database_url")
        return url

    def as_role(self, key: str) -> Settings:
        """These settings with ``database_url`` the login role of process ``key`` (intake, audit,
        …). Without one configured, the owner's URL is kept and a warning says so: a process
        connecting as the owner can change the schema and rewrite the event store."""
        url = self.role_database_url(key)
        if url is None:
            variable = f"TOUSU_{key.upper()}_DATABASE_URL"
            warnings_log.warning(
                "%s is not set: tousu %s connects as the database owner (%s), who may change the "
                "schema and rewrite history; give it its own role (`tousu db roles`, docs/database-roles.md)",
                variable,
                key.replace("_", "-"),
                database_label(self.database_url),
                extra={"variable": variable},
            )
            return self
        return self.model_copy(update={"database_url": url})

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def resolved_tokens_file(self) -> Path:
        return self.tokens_file or self.data_dir / "tokens.yaml"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def resolved_oidc_client_secret(self) -> str | None:
        """The client secret from the variable, else the file's first line; None when neither."""
        if self.oidc_client_secret is not None:
            return self.oidc_client_secret.get_secret_value().strip() or None
        if self.oidc_client_secret_file is not None:
            lines = self.oidc_client_secret_file.read_text(encoding="utf-8").splitlines()
            return lines[0].strip() if lines and lines[0].strip() else None
        return None

    def resolved_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.data_dir / "audit" / "checkpoints"

    @property
    def sync_database_url(self) -> str:
        """The same database for tools that need a plain libpq-style DSN (asyncpg.connect)."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
