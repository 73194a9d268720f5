"""Shared fixtures: a fresh SQLite database per test, a TestClient, and a live uvicorn server."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine

from app.main import app
from app.settings import Settings, get_settings
from tests.support import free_port, serving


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Settings]]:
    """Set the app's environment (e.g. `configure(DATABASE_URL=...)`) and reload its settings."""

    def apply(**env: str) -> Settings:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def settings(configure: Callable[..., Settings], tmp_path: Path) -> Settings:
    """Settings whose database is a fresh SQLite file in this test's tmp_path, or, when
    TEST_DATABASE_URL is set (scripts/test.sh's PostgreSQL leg), that database emptied."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if server_url:
        empty_database(server_url)
        return configure(DATABASE_URL=server_url)
    return configure(DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'backstep.db'}")


def empty_database(url: str) -> None:
    """Drop every table, so each test starts from what a first start creates."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            reflected = MetaData()  # tables of any version, not only today's models
            reflected.reflect(connection)
            reflected.drop_all(connection)
    finally:
        engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient with the lifespan run, so the app builds its engine from `settings`."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real `uvicorn app.main:app` subprocess on a free 127.0.0.1 port.

    Session-scoped: one server (about a second to start) for every test that asks for it, so
    its database is shared - tests must create the data they need, not expect an empty one.
    """
    workdir = tmp_path_factory.mktemp("live-server")
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    argv += ["--port", str(port)]
    database_url = f"sqlite:///{workdir / 'backstep.db'}"
    with serving(argv, port, database_url, workdir / "server.log") as base_url:
        yield base_url
