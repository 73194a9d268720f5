"""Settings come from the environment, with a default that needs no configuration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.settings import Settings, get_settings


def test_default_database_is_sqlite_under_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == "sqlite:///./data/backstep.db"


def test_database_url_comes_from_environment(configure: Callable[..., Settings]) -> None:
    settings = configure(DATABASE_URL="postgresql://backstep@db.invalid/backstep")
    assert settings.database_url == "postgresql://backstep@db.invalid/backstep"
    assert get_settings() is settings  # cached until the next cache_clear()
