"""The SQLite engine: directory creation, pragmas, one database per test, and a database made
before a table existed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, insert, text

from app.main import app
from app.settings import Settings
from app.storage.db import SQLITE_BUSY_TIMEOUT_MS, Base, create_db_engine
from app.storage.tables import SnapshotSettings
from engine.presets import get_preset


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


@pytest.mark.sqlite_only
def test_a_database_from_before_snapshot_settings_needs_no_migration(
    configure: Callable[..., Settings], tmp_path: Path
) -> None:
    """A database made before the snapshot_settings table: its snapshots open (with no
    exercise settings), and edits of them save, once the app has started on it."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name != SnapshotSettings.__tablename__:
            table.to_metadata(old)
    engine = create_db_engine(url)
    try:
        old.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(old.tables["networks"]).values(
                    id="OldSnapshot00001",
                    name="From last year",
                    network=get_preset("xor-homework").network.to_dict("in_out"),
                    inputs=[[0, 0], [0, 1], [1, 0], [1, 1]],
                    targets=[[0], [1], [1], [0]],
                    created_at=datetime.now(UTC),
                )
            )
    finally:
        engine.dispose()
    configure(DATABASE_URL=url)
    with TestClient(app) as client:
        page = client.get("/networks/OldSnapshot00001?step=update")
        assert page.status_code == 200 and 'data-example="all"' in page.text
        edit = {"param": "b-2-1", "value": "0", "step": "update", "example": "3", "lr": "0.5"}
        child = client.post("/networks/OldSnapshot00001/edit", data=edit, follow_redirects=False)
        assert child.status_code == 303
        assert client.get(child.headers["location"]).status_code == 200
