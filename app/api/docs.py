"""Swagger UI served from vendored files, so the API docs work offline and in the container.

NOTE: FastAPI's `get_swagger_ui_html` starts Swagger UI with an inline script, which the
Content-Security-Policy (no 'unsafe-inline') blocks; this page loads the same start-up code
from static/swagger-init.js instead.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER_UI_JS = "/static/vendor/swagger-ui-bundle-5.35.0.js"
SWAGGER_UI_CSS = "/static/vendor/swagger-ui-5.35.0.css"
SWAGGER_UI_FAVICON = "/static/vendor/swagger-ui-favicon-32x32-5.35.0.png"
SWAGGER_UI_INIT = "/static/swagger-init.js"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{css}">
<link rel="icon" href="{favicon}">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{js}"></script>
<script src="{init}" data-openapi-url="{openapi}"></script>
</body>
</html>
"""


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive API documentation."""
    root = request.scope.get("root_path", "").rstrip("/")
    return HTMLResponse(
        PAGE.format(
            css=escape(root + SWAGGER_UI_CSS),
            favicon=escape(root + SWAGGER_UI_FAVICON),
            title=escape(f"{request.app.title} - API docs"),
            js=escape(root + SWAGGER_UI_JS),
            init=escape(root + SWAGGER_UI_INIT),
            openapi=escape(f"{root}{request.app.openapi_url}"),
        )
    )
