"""Shared route dependencies as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.settings import Settings, get_settings
from app.storage.db import get_engine, init_db


class DatabaseUnavailable(Exception):
    """The database cannot be reached (or its tables cannot be created) right now."""


def ensure_tables(app: Any, wait: bool = False) -> bool:
    """Whether the app's tables exist, creating them first if they may not (`wait`: for
    another thread that is creating them, else False at once)."""
    if not app.state.db_ready and init_db(app.state.engine, wait):
        app.state.db_ready = True
    return bool(app.state.db_ready)


def get_ready_session(request: Request) -> Iterator[Session]:
    """One session per request; on its first use of the database, the tables exist (else
    DatabaseUnavailable). A route that never uses it never touches the database.

    NOTE: the tables are created at startup; when the database was down then (or two workers
    raced to create them), the first request after it answers creates them.
    """
    with Session(get_engine(request)) as session:
        if not request.app.state.db_ready:
            event.listen(session, "after_begin", partial(_tables_first, request.app))
        yield session


def _tables_first(app: Any, *_: Any) -> None:
    if not ensure_tables(app):
        raise DatabaseUnavailable


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_ready_session)]
