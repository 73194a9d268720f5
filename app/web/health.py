"""Liveness and readiness probes for run scripts, Docker and orchestrators.

/healthz checks what a save needs: that the database answers, that the tables exist, and that
it takes a write (an insert, rolled back: a read-only database answers SELECT 1 and refuses
every save). The check runs in a thread of its own, one at a time per worker: a probe that
comes while one is running waits for that one, so a database that does not answer holds one
thread, not one per probe, and each probe answers 503 after HEALTHZ_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import insert, text
from sqlalchemy.exc import SQLAlchemyError

from app.settings import get_settings
from app.storage.tables import budget_table
from app.web.deps import ensure_tables
from app.web.errors import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

DatabaseState = Literal["ok", "unreachable", "not_writable", "timed_out"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: DatabaseState


@router.get("/livez")
async def livez() -> Liveness:
    """Report that the process is up; never touches the database."""
    return Liveness()


@router.get(
    "/healthz",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Health}},
)
async def healthz(request: Request, response: Response) -> Health:
    """Report whether the app can write to its database: 503 with Retry-After when it cannot,
    or when the database has not answered within HEALTHZ_TIMEOUT_SECONDS."""
    probe = _running_probe(request.app)
    try:
        found: DatabaseState = await asyncio.wait_for(
            asyncio.shield(probe), get_settings().healthz_timeout_seconds
        )
    except TimeoutError:
        logger.warning("Health check: the database has not answered; still waiting for it")
        found = "timed_out"
    if found != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return Health(status="unavailable", database=found)
    return Health(status="ok", database="ok")


def _running_probe(app: Any) -> asyncio.Future[DatabaseState]:
    """The check in progress, or a new one."""
    probe: asyncio.Future[DatabaseState] | None = app.state.health_probe
    if probe is None or probe.done():
        probe = asyncio.ensure_future(asyncio.to_thread(_check, app))
        app.state.health_probe = probe
    return probe


def _check(app: Any) -> DatabaseState:
    engine = app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("Health check: database unreachable: %s", exc)
        return "unreachable"
    if not ensure_tables(app, wait=True):  # this thread may wait: probes share it
        return "not_writable"
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            # A key no request uses, so probes of several workers never wait for each other.
            probe = {"key": f"healthz:{secrets.token_hex(8)}", "window_start": -1, "spent": 0.0}
            connection.execute(insert(budget_table).values(probe))
            transaction.rollback()
    except SQLAlchemyError as exc:
        logger.warning("Health check: the database refuses a write: %s", exc)
        return "not_writable"
    return "ok"
