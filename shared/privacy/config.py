"""Settings of personal-data protection (environment variables TOUSU_PRIVACY_*)."""

from __future__ import annotations

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

    @property
    def secret(self) -> bytes:
        return self.index_secret.encode()
