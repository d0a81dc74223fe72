"""TOUSU_DATABASE_URL takes the plain postgresql:// URL `tousu up` prints (and psql takes): it means
the asyncpg driver, the one tousu installs. Messages name a database without its password."""

from __future__ import annotations

import pytest

from shared.settings import Settings, database_label

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgresql://postgres@127.0.0.1:54329/tousu",
            "postgresql+asyncpg://postgres@127.0.0.1:54329/tousu",
        ),
        ("postgres://u:p@db.example/t", "postgresql+asyncpg://u:p@db.example/t"),
        (" postgresql://postgres@127.0.0.1/tousu\n", "postgresql+asyncpg://postgres@127.0.0.1/tousu"),
        (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/tousu",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/tousu",
        ),
    ],
)
def test_a_plain_url_means_asyncpg(given: str, used: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(database_url=given).database_url == used
    monkeypatch.setenv("TOUSU_DATABASE_URL", given)
    settings = Settings()
    assert settings.database_url == used
    assert settings.sync_database_url == used.replace("postgresql+asyncpg://", "postgresql://")


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("postgresql+asyncpg://postgres:s3cret@db.example:6543/tousu", "db.example:6543/tousu"),
        ("postgresql://postgres@127.0.0.1/tousu", "127.0.0.1:5432/tousu"),
        ("postgresql://postgres@[::1]:5433/x%20y", "[::1]:5433/x y"),
        ("postgresql://postgres@/tousu?host=/run/postgresql", "localhost:5432/tousu"),
    ],
)
def test_messages_name_host_port_and_database_only(url: str, label: str) -> None:
    assert database_label(url) == label
