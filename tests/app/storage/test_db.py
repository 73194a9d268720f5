"""The SQLite engine: directory creation, pragmas, and one database per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.settings import Settings
from app.storage.db import SQLITE_BUSY_TIMEOUT_MS, create_db_engine


def test_sqlite_engine_creates_directory_and_sets_pragmas(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "dir" / "backstep.db"
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        assert database.parent.is_dir()
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
            "foreign_keys": 1,
        }
    finally:
        engine.dispose()
    assert database.is_file()


@pytest.mark.sqlite_only
def test_each_test_gets_its_own_database(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.url.database == str(tmp_path / "data" / "backstep.db")
    assert settings.database_url == f"sqlite:///{engine.url.database}"
