"""Shared route dependencies as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.settings import Settings, get_settings
from app.storage.db import get_engine, init_db


class DatabaseUnavailable(Exception):
    """The database cannot be reached (or its tables cannot be created) right now."""


def get_ready_session(request: Request) -> Iterator[Session]:
    """One session per request, on a database whose tables exist (else DatabaseUnavailable).

    NOTE: the tables are created at startup; when the database was down then (or two workers
    raced to create them), the first request after it answers creates them.
    """
    engine = get_engine(request)
    if not request.app.state.db_ready:
        request.app.state.db_ready = init_db(engine)
        if not request.app.state.db_ready:
            raise DatabaseUnavailable
    with Session(engine) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_ready_session)]
