"""Liveness and readiness probes for run scripts, Docker and orchestrators."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.schemas import Health, Liveness
from app.storage.db import init_db
from app.web.deps import EngineDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

RETRY_AFTER_SECONDS = 5


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
