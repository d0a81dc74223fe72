"""Settings of personal-data protection (environment variables TOUSU_PRIVACY_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "tousu-development-blind-index-secret-change-me"


class PrivacySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_PRIVACY_", extra="ignore")

    index_secret: str = Field(
        DEVELOPMENT_SECRET,
        min_length=16,
        description="Server secret of the blind indexes (HMAC-SHA256 of phone, email, customer and "
        "employee numbers). Set your own in production and keep it outside the database.",
    )

    key_ring_dir: Path = Field(
        Path(".tousu/keyring"),
        description="Directory of the key ring files (the key-encryption keys that wrap every "
        "complainant key; never in the database). Every service that reads or writes personal data "
        "needs it, read-write: on one shared volume in docker-compose. Back it up apart from the "
        "database (docs/privacy.md).",
    )

    @property
    def secret(self) -> bytes:
        return self.index_secret.encode()
