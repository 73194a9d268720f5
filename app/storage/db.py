"""SQLAlchemy engine, table base and sessions; portable SQL only (SQLite now, PostgreSQL later).

The engine is built in the app's lifespan from the settings of that moment and kept on
`app.state`, so every TestClient (and every test's tmp database) gets its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000


class Base(DeclarativeBase):
    """Base class of every table."""


def create_db_engine(database_url: str) -> Engine:
    """An engine for `database_url`; for SQLite, with WAL, a busy timeout and foreign keys on."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        _make_parent_dir(Path(url.database))
    engine = create_engine(url)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _make_parent_dir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        # NOTE: left to the first connect, which fails with SQLAlchemy's error; /healthz reports it.
        logger.warning("Cannot create the database directory %s", path.parent)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets page reads go on while a request writes; the busy timeout makes a writer wait
    # for the lock instead of failing at once; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def init_db(engine: Engine) -> bool:
    """Create missing tables; False (and logged) when the database cannot be reached yet."""
    # The tables register themselves on Base when their module is imported (here, not at the
    # top: app.storage.tables imports Base from this module).
    import app.storage.tables  # noqa: F401

    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError:
        logger.exception("Database unavailable; /healthz reports 503 until it answers")
        return False
    return True


def get_engine(request: Request) -> Engine:
    """The engine the running app built at startup."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed after the response."""
    with Session(get_engine(request)) as session:
        yield session
