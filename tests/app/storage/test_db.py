"""The engine: SQLite's directory and pragmas, one database per test, a database made before a
table existed, and the timeouts that keep a database that does not answer from holding a
worker (issue 12, item 6)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, insert, text
from sqlalchemy.exc import OperationalError

from app.main import app
from app.settings import Settings
from app.storage.db import SQLITE_BUSY_TIMEOUT_MS, Base, create_db_engine
from app.storage.tables import SnapshotSettings
from engine.presets import get_preset
from tests.support import frozen_postgres, silent_database

HANG_GUARD_S = 60  # far past every timeout here: only a wait without end reaches it


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


def _bounded(fn: Callable[[], object]) -> BaseException:
    """What `fn` raised. A guard (not a measure) turns a wait without end into a failure."""
    raised: list[BaseException] = []

    def call() -> None:
        try:
            fn()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    assert not thread.is_alive(), "still waiting for the database"
    assert raised, "the database answered"
    return raised[0]


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@pytest.mark.slow  # waits out DB_CONNECT_TIMEOUT_SECONDS' least, 2 s
def test_a_database_that_never_answers_a_connection_is_given_up() -> None:
    with silent_database() as port:
        engine = create_db_engine(f"postgresql+psycopg://u@127.0.0.1:{port}/db", 2, 0.5)
        raised = _bounded(lambda: _select_one(engine))
        engine.dispose()
    assert isinstance(raised, OperationalError)
    assert "timeout" in str(raised)


@pytest.mark.slow  # waits out 1.5 s
def test_a_database_that_freezes_once_connected_is_given_up() -> None:
    with frozen_postgres() as port:
        engine = create_db_engine(f"postgresql+psycopg://u@127.0.0.1:{port}/db", 2, 0.5)
        raised = _bounded(lambda: _select_one(engine))
        engine.dispose()
    assert isinstance(raised, OperationalError)
    assert "did not answer within 1.5 s (DB_STATEMENT_TIMEOUT_SECONDS + 1)" in str(raised)


def test_the_statement_timeout_reaches_the_database(settings: Settings) -> None:
    engine = create_db_engine(settings.database_url, 5, 0.25)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                shown = connection.execute(text("SHOW statement_timeout")).scalar()
                assert shown == "250ms"
                with pytest.raises(OperationalError, match="statement timeout"):
                    connection.execute(text("SELECT pg_sleep(3)"))
            else:
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 250
    finally:
        engine.dispose()
