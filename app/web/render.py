"""Shared by the page routes: templates, fragment-or-page rendering, ETags, error pages, cookies.

`render` is the one place that decides fragment vs full page: an htmx request (HX-Request)
that is not a history restore gets the partial alone; everything else the whole page, which
includes the very same partial.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
VARY = "HX-Request, HX-History-Restore-Request"
MINE_COOKIE = "backstep_networks"  # the snapshots this browser made
MY_EXERCISES_COOKIE = "backstep_exercises"  # the exercises this browser made
MINE_MAX = 30
ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")

# Strict-CSP ready: htmx must not eval, run inline scripts or inject its indicator styles.
# 4xx answers carry an error fragment or an inline message, so htmx swaps them in too.
HTMX_CONFIG = json.dumps(
    {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[234]..", "swap": True},
            {"code": "5..", "swap": False, "error": True},
        ],
    },
    separators=(",", ":"),
)


def _digest(paths: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@cache
def build_id() -> str:
    """Changes whenever anything that shapes a page does, so old ETags stop matching."""
    files = [
        *TEMPLATES_DIR.rglob("*.html"),
        *(ROOT / "app").rglob("*.py"),
        *(ROOT / "engine").glob("*.py"),
        *STATIC_DIR.glob("*.css"),
        *STATIC_DIR.glob("*.js"),
    ]
    return _digest(files)


@cache
def static_url(path: str) -> str:
    """/static/<path>?v=<content hash>: browsers may cache it for as long as they like."""
    return f"/static/{path}?v={_digest([STATIC_DIR / path])}"


templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined
    )
)
templates.env.globals["static_url"] = static_url
templates.env.globals["htmx_config"] = HTMX_CONFIG


def is_fragment(request: Request) -> bool:
    headers = request.headers
    return headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != (
        "true"
    )


def render(
    request: Request,
    page: str,
    partial: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The partial alone for htmx, else the page (which includes the same partial)."""
    fragment = is_fragment(request)
    response: HTMLResponse = templates.TemplateResponse(
        request,
        partial if fragment else page,
        {**context, "fragment": fragment},
        status_code=status_code,
        headers=dict(headers or {}),
    )
    response.headers["Vary"] = VARY
    return response


def etag_for(request: Request, key: str) -> str:
    mode = "fragment" if is_fragment(request) else "page"
    digest = hashlib.blake2b(f"{build_id()}|{key}|{mode}".encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the browser already holds this exact view."""
    match = request.headers.get("If-None-Match", "")
    tags = {t.strip() for t in match.split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers=cache_headers(etag))
    return None


def cache_headers(etag: str) -> dict[str, str]:
    # Immutable content, but revalidated each time (cheaply, by ETag) so a new build shows.
    return {"ETag": etag, "Cache-Control": "public, no-cache", "Vary": VARY}


def error_page(
    request: Request,
    status_code: int,
    title: str,
    messages: list[str],
    links: list[tuple[str, str]] | None = None,
) -> HTMLResponse:
    context = {
        "error_title": title,
        "messages": messages,
        "links": links or [("Back to the networks", "/")],
        "status_code": status_code,
        "nav": "",
    }
    return render(request, "error.html", "partials/error.html", context, status_code)


def my_ids(request: Request, cookie: str = MINE_COOKIE) -> list[str]:
    raw = request.cookies.get(cookie, "")
    return [i for i in raw.split(".") if ID_RE.match(i)][:MINE_MAX]


def remember(request: Request, response: Response, item_id: str, cookie: str = MINE_COOKIE) -> None:
    """Add what this browser made (a snapshot, or an exercise) to its own list, newest first:
    a cookie, nothing server-side."""
    ids = [item_id, *(i for i in my_ids(request, cookie) if i != item_id)][:MINE_MAX]
    response.set_cookie(
        cookie,
        ".".join(ids),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path="/",
    )
