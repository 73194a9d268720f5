"""Pure ASGI middlewares: security headers on every answer, and cross-site posts refused.

SecurityHeaders adds a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' (the
pages and htmx's config were built for it), nosniff and a Referrer-Policy. `frame-ancestors`
comes from FRAME_ANCESTORS, so a teacher's learning platform can embed the pages.

CrossSiteGuard refuses an unsafe method (POST, PUT, PATCH, DELETE) that a browser sent from
another site: `Sec-Fetch-Site: cross-site`, or, from browsers without Fetch Metadata, an Origin
(else a Referer) whose host is not the request's Host. A request with none of these headers is
a script's, not a browser's form, and goes through: the JSON API keeps working from curl.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = frozenset({80, 443})


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            f"frame-ancestors {frame_ancestors}",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()  # per request: tests change FRAME_ANCESTORS
        extra = [
            (b"content-security-policy", content_security_policy(settings.frame_ancestors)),
            (b"x-content-type-options", "nosniff"),
            (b"referrer-policy", settings.referrer_policy),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                # A route may set its own (stricter) policy; it wins.
                headers += [(k, v.encode("latin-1")) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossSiteGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and _cross_site(scope):
            body = json.dumps({"detail": CROSS_SITE_MESSAGE}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


CROSS_SITE_MESSAGE = (
    "refused: this request was sent from another web site; "
    "open Backstep itself and submit the form from there"
)


def _cross_site(scope: Scope) -> bool:
    headers = {key.lower(): value for key, value in scope["headers"]}
    fetch_site = headers.get(b"sec-fetch-site")
    if fetch_site is not None:
        # same-origin, same-site (a sibling subdomain, which shares cookies anyway) and none
        # (typed or bookmarked) are the user's own doing.
        return bool(fetch_site.strip().lower() == b"cross-site")
    for name in (b"origin", b"referer"):
        value = headers.get(name)
        if value is not None:
            parts = urlsplit(value.decode("latin-1").strip())
            # "null" (a sandboxed or privacy-stripped origin) or garbage counts as another site.
            origin = _host_port(parts.netloc) if parts.netloc else None
            return origin is None or origin != _host_port(
                headers.get(b"host", b"").decode("latin-1")
            )
    return False  # a script's request (curl, a program): Host is not even parsed


def _host_port(netloc: str) -> tuple[str | None, int | None] | None:
    """(host, port), the default ports dropped: behind a TLS proxy, Host `a` is Origin
    `https://a`. None for a netloc that does not parse."""
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        port = parts.port
    except ValueError:
        return None
    return parts.hostname, None if port in DEFAULT_PORTS else port
