"""Liveness and readiness probes for run scripts, Docker and orchestrators."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.storage.db import init_db
from app.web.deps import EngineDep
from app.web.errors import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


@router.get("/livez")
async def livez() -> Liveness:
    """Report that the process is up; never touches the database."""
    return Liveness()


@router.get(
    "/healthz",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Health}},
)
def healthz(request: Request, response: Response, engine: EngineDep) -> Health:
    """Report whether the app can reach its database (503 with Retry-After when it cannot)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("Health check: database unreachable: %s", exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return Health(status="unavailable", database="unreachable")
    if not request.app.state.db_ready:
        # NOTE: the database was down at startup; create the tables now that it answers.
        request.app.state.db_ready = init_db(engine)
    return Health(status="ok", database="ok")
