"""SQLAlchemy engine, table base and sessions; portable SQL only (SQLite now, PostgreSQL later).

The engine is built in the app's lifespan from the settings of that moment and kept on
`app.state`, so every TestClient (and every test's tmp database) gets its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000  # the default DB_STATEMENT_TIMEOUT_SECONDS
DEFAULT_CONNECT_TIMEOUT_S = 5
_creating = threading.Lock()


class Base(DeclarativeBase):
    """Base class of every table."""


def create_db_engine(
    database_url: str,
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT_S,
    statement_timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000,
) -> Engine:
    """An engine for `database_url` that never waits for the database without end.

    `connect_timeout` (seconds) bounds opening a connection and waiting for a free one in
    the pool; `statement_timeout` bounds each statement. For SQLite: WAL, that busy timeout
    and foreign keys on.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return _postgresql_engine(url, connect_timeout, statement_timeout)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_timeout=connect_timeout)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        _make_parent_dir(Path(url.database))
    engine = create_engine(url, pool_timeout=connect_timeout)
    event.listen(engine, "connect", partial(_set_sqlite_pragmas, round(statement_timeout * 1000)))
    return engine


def _postgresql_engine(url: URL, connect_timeout: int, statement_timeout: float) -> Engine:
    # The server cancels a statement past statement_timeout (a lock wait, a slow query); a
    # server that does not answer at all (frozen, or a black-holed link) cannot, so the client
    # stops waiting too, a second later. Options already in the URL come after ours and win.
    given = url.query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    options = f"-c statement_timeout={max(1, round(statement_timeout * 1000))} {given}".strip()
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=connect_timeout,
        connect_args={"connect_timeout": connect_timeout, "options": options},
    )
    bounded = _bounded_connection(statement_timeout + 1)
    event.listen(
        engine, "do_connect", lambda _d, _r, cargs, cparams: bounded.connect(*cargs, **cparams)
    )
    return engine


def _bounded_connection(seconds: float) -> Any:
    """A psycopg connection class none of whose waits for the server outlasts `seconds`."""
    import psycopg

    class Bounded(psycopg.Connection[Any]):
        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            started = time.monotonic()
            try:
                return super().wait(gen, interval, seconds if timeout is None else timeout)
            except psycopg.OperationalError as exc:
                if time.monotonic() - started < seconds or self.closed:
                    raise
                # NOTE: the protocol stopped midway, so the connection cannot be reused;
                # closed, the pool drops it (SQLAlchemy sees a disconnect).
                self.close()
                raise psycopg.OperationalError(
                    f"the database did not answer within {seconds:g} s "
                    "(DB_STATEMENT_TIMEOUT_SECONDS + 1)"
                ) from exc

    return Bounded


def _make_parent_dir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        # NOTE: left to the first connect, which fails with SQLAlchemy's error; /healthz reports it.
        logger.warning("Cannot create the database directory %s", path.parent)


def _set_sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets page reads go on while a request writes; the busy timeout makes a writer wait
    # for the lock instead of failing at once; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def init_db(engine: Engine, wait: bool = False) -> bool:
    """Create missing tables; False (and logged) when the database cannot be reached yet, or
    when another thread is creating them right now and `wait` is false (a request does not
    wait: with a database that does not answer, every request would queue behind it)."""
    # The tables register themselves on Base when their module is imported (here, not at the
    # top: app.storage.tables imports Base from this module).
    import app.storage.tables  # noqa: F401

    if not _creating.acquire(blocking=wait):
        return False
    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError:
        logger.exception("Database unavailable; /healthz reports 503 until it answers")
        return False
    finally:
        _creating.release()
    return True


def get_engine(request: Request) -> Engine:
    """The engine the running app built at startup."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed after the response."""
    with Session(get_engine(request)) as session:
        yield session
