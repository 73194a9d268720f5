"""Assemble the Backstep app: database lifespan, static files, routers and offline API docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.accesslog import AccessLog
from app.cache import ResponseCache
from app.config import get_settings
from app.db import create_db_engine, init_db
from app.errors import install_error_handlers
from app.middleware import BodySizeLimit
from app.routes import (
    api_datasets,
    api_exercises,
    api_networks,
    api_passes,
    api_presets,
    api_train,
    docs,
    health,
    pages_exercises,
    pages_export,
    pages_home,
    pages_training,
    pages_walkthrough,
)
from app.security import CrossSiteGuard, SecurityHeaders

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Built here, not at import, so each start (and each test) uses the settings of that moment.
    engine = create_db_engine(get_settings().database_url)
    app.state.engine = engine
    app.state.db_ready = init_db(engine)
    yield
    engine.dispose()


app = FastAPI(
    title="Backstep",
    summary="A neural network's forward and backward propagation, step by step.",
    version="0.1.0",
    lifespan=lifespan,
    docs_url=None,  # served by app.routes.docs from vendored files, not a CDN
    redoc_url=None,  # ReDoc's page loads Google Fonts; one offline docs UI is enough
)
app.add_middleware(BodySizeLimit)
app.add_middleware(CrossSiteGuard)
app.add_middleware(ResponseCache)
app.add_middleware(SecurityHeaders)  # around the rest: the 403 and 413 answers get them too
app.add_middleware(AccessLog)  # outermost, so it times everything (ACCESS_LOG_JSON)
install_error_handlers(app)
app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
app.include_router(health.router)
app.include_router(docs.router)
for api in (api_passes, api_train, api_presets, api_datasets, api_networks, api_exercises):
    app.include_router(api.router)
# Downloads before the walkthroughs: /networks/{id}/network.json is no walkthrough URL.
for page in (pages_home, pages_export, pages_walkthrough, pages_exercises):
    app.include_router(page.router)
app.include_router(pages_training.router)
