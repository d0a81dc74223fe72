"""Settings for a service under test: the real backends, and topic names of its own."""

from __future__ import annotations

import uuid

from shared.db.grants import ROLES
from shared.db.logins import Login, default_login, role_url
from shared.settings import Settings
from tests.support.backends import Backend, kafka_is_real_kafka

TEST_SESSION_TIMEOUT_MS = 4000

TEST_LOGIN_PASSWORD = "tousu-test-login"
"""Where the test server asks for passwords (a testcontainer); the local one trusts."""

TEST_LOGINS = [Login(role, default_login(role), TEST_LOGIN_PASSWORD) for role in ROLES]
"""Every process's login, as `tousu db roles` makes them; tests/conftest.py provisions them."""


def role_urls(database_url: str) -> dict[str, str]:
    """Settings naming each process's own login to ``database_url``."""
    return {f"{login.role.key}_database_url": role_url(database_url, login) for login in TEST_LOGINS}


def settings_for(database_url: str, kafka_backend: Backend) -> Settings:
    """Settings on the real backends with topic names of their own (tests don't see each other)."""
    suffix = uuid.uuid4().hex[:8]
    return Settings(
        database_url=database_url,
        # the services under test connect as their own roles, as they do when deployed
        **role_urls(database_url),  # type: ignore[arg-type]
        kafka_bootstrap=kafka_backend.url,
        kafka_idempotence=kafka_is_real_kafka(kafka_backend),
        topic_intake=f"t.{suffix}.intake",
        topic_events=f"t.{suffix}.events",
        topic_assignments=f"t.{suffix}.assignments",
        topic_dead_letters=f"t.{suffix}.dlq",
        # consumer groups of their own too: a group shared with earlier tests' (stopped or hung)
        # members waits for them at every rebalance
        consumer_group_prefix=f"t.{suffix}",
        topic_service_volume=f"t.{suffix}.volume",
        topic_audit_checkpoints=f"t.{suffix}.audit",
        # no periodic checkpoints unless a test asks: a signing key left in ./.tousu by a
        # developer's `tousu up` would otherwise have every service under test sign there
        audit_checkpoint_interval_seconds=0,
        topic_partitions=3,
        consumer_backoff_seconds=0.01,
        relay_idle_seconds=0.2,
        # a new consumer group's first join takes about half the session timeout on tansu
        consumer_session_timeout_ms=TEST_SESSION_TIMEOUT_MS,
    )
