"""Settings read from the environment, one object per process (tests clear the cache)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure; each field reads the env var of its upper-case name."""

    model_config = SettingsConfigDict(extra="ignore")

    # Relative SQLite paths resolve against the working directory, which is the repo root for
    # scripts/run.sh and /app in the container. Any SQLAlchemy URL works, e.g. PostgreSQL's.
    database_url: str = "sqlite:///./data/backstep.db"

    # Request limits (network size, batch size, steps...) go here as `Field(ge=..., le=...)`
    # so an operator can tighten them through the environment.


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; call `get_settings.cache_clear()` after changing the env."""
    return Settings()
