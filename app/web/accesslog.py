"""ACCESS_LOG_JSON=true: one JSON line per request on the `backstep.access` logger.

{"method", "path", "status", "duration_ms", "client", "address"}: `client` is a short hash of
the browser's budget key (app.web.budget: cookie or X-Client-Id), so one student's requests can be
followed without logging the key itself; the query string is left out (it can carry a
student's typed answers), and so is a teacher link's token (`/teacher/<token>` is logged as
`/teacher/…`). Run uvicorn with --no-access-log to have this log alone (uvicorn's own access
log prints both).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings
from app.web.budget import CLIENT_COOKIE, CLIENT_HEADER

logger = logging.getLogger("backstep.access")
TEACHER_TOKEN = re.compile(r"(/teacher/)[^/]+")  # a secret in the path: not for a log


logger.setLevel(logging.INFO)
logger.propagate = False  # the lines alone on stdout, not mixed into uvicorn's format
_stdout: logging.Handler | None = None


def _configure() -> None:
    global _stdout
    if _stdout is None:
        _stdout = logging.StreamHandler(sys.stdout)
        _stdout.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(_stdout)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not get_settings().access_log_json:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note)
        finally:
            _configure()
            client = scope.get("client")
            logger.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": TEACHER_TOKEN.sub(r"\1…", scope["path"]),
                        "status": status,
                        "duration_ms": round(1000 * (time.perf_counter() - started), 2),
                        "client": client_key(scope),
                        "address": client[0] if client else None,
                    }
                )
            )


def client_key(scope: Scope) -> str | None:
    headers = {name.lower(): value for name, value in scope["headers"]}
    key = headers.get(CLIENT_HEADER.lower().encode())
    if key is None and b"cookie" in headers:
        morsel = SimpleCookie(headers[b"cookie"].decode("latin-1")).get(CLIENT_COOKIE)
        key = morsel.value.encode() if morsel else None
    return hashlib.sha256(key).hexdigest()[:12] if key else None
