"""Assemble the app: database lifespan, middleware, static files and one router per resource."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api import datasets, docs, exercises, networks, passes, presets, train
from app.exercises import routes as exercise_pages
from app.exercises import teacher
from app.home import routes as home
from app.settings import get_settings
from app.storage.db import create_db_engine
from app.training import routes as training
from app.walkthrough import downloads
from app.walkthrough import routes as walkthrough
from app.web import health
from app.web.accesslog import AccessLog
from app.web.body_limit import BodySizeLimit
from app.web.cache import ResponseCache
from app.web.deps import ensure_tables
from app.web.errors import install_error_handlers
from app.web.head import HeadAsGet
from app.web.security import CrossSiteGuard, SecurityHeaders

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Built here, not at import, so each start (and each test) uses the settings of that moment.
    settings = get_settings()
    engine = create_db_engine(
        settings.database_url,
        settings.db_connect_timeout_seconds,
        settings.db_statement_timeout_seconds,
    )
    app.state.engine = engine
    app.state.db_ready = False
    app.state.health_probe = None
    # The tables are created before the app listens, unless the database does not answer in
    # DB_CONNECT_TIMEOUT_SECONDS: then it listens anyway (pages that need no database work,
    # /healthz says 503) and the creation finishes, or fails, on its own.
    app.state.db_init = asyncio.ensure_future(asyncio.to_thread(ensure_tables, app))
    await asyncio.wait({app.state.db_init}, timeout=settings.db_connect_timeout_seconds)
    yield
    engine.dispose()


app = FastAPI(
    title="Backstep",
    summary="A neural network's forward and backward propagation, step by step.",
    version="0.1.0",
    lifespan=lifespan,
    docs_url=None,  # served by app.api.docs from vendored files, not a CDN
    redoc_url=None,  # ReDoc's page loads Google Fonts; one offline docs UI is enough
)
app.add_middleware(BodySizeLimit)
app.add_middleware(CrossSiteGuard)
app.add_middleware(ResponseCache)
app.add_middleware(HeadAsGet)  # outside the cache, so HEAD is answered from it too
app.add_middleware(SecurityHeaders)  # around the rest: the 403 and 413 answers get them too
app.add_middleware(AccessLog)  # outermost, so it times everything (ACCESS_LOG_JSON)
install_error_handlers(app)
app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
app.include_router(health.router)
app.include_router(docs.router)
for api in (passes, train, presets, datasets, networks, exercises):
    app.include_router(api.router)
# Downloads before the walkthroughs: /networks/{id}/network.json is no walkthrough URL.
for page in (home, downloads, walkthrough, exercise_pages, teacher, training):
    app.include_router(page.router)
