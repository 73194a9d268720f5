"""Pure ASGI middlewares: security headers on every answer, and cross-site posts refused.

SecurityHeaders adds a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' (the
pages and htmx's config were built for it), nosniff and a Referrer-Policy. `frame-ancestors`
comes from FRAME_ANCESTORS, so a teacher's learning platform can embed the pages.

CrossSiteGuard refuses an unsafe method (POST, PUT, PATCH, DELETE) that a browser sent from
anywhere but the app's own pages: it goes through only with `Sec-Fetch-Site: same-origin` (or
`none`, the user's own doing), or, from browsers without Fetch Metadata, an Origin (else a
Referer) equal to the app's origin: PUBLIC_URL's when set, else the request's own Host.
`same-site` is refused too: a sibling subdomain of a university is another site's author. A
request with none of these headers is a script's, not a browser's form, and goes through: the
JSON API keeps working from curl.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings
from app.web.urls import DEFAULT_PORTS, host_and_port

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def security_headers() -> dict[str, str]:
    """The headers every answer carries. Also written by the 500 handler (app.web.errors),
    whose answer Starlette sends from outside every middleware."""
    settings = get_settings()
    return {
        "content-security-policy": content_security_policy(settings.frame_ancestors),
        "x-content-type-options": "nosniff",
        "referrer-policy": settings.referrer_policy,
    }


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers()  # per request: tests change FRAME_ANCESTORS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                # A route may set its own (stricter) policy; it wins.
                headers += [
                    (k.encode(), v.encode("latin-1"))
                    for k, v in extra.items()
                    if k.encode() not in present
                ]
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
        return fetch_site.strip().lower() not in (b"same-origin", b"none")
    for name in (b"origin", b"referer"):
        value = headers.get(name)
        if value is not None:
            # "null" (a sandboxed or privacy-stripped origin) or garbage is another site.
            return not _own_origin(value.decode("latin-1").strip(), headers)
    return False  # a script's request (curl, a program): Host is not even parsed


def _own_origin(url: str, headers: dict[bytes, bytes]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    found = host_and_port(parts.netloc) if parts.netloc else None
    if found is None:
        return False
    public = get_settings().public_url
    if public:
        return _origin(parts.scheme, *found) == _origin(urlsplit(public).scheme, *_public(public))
    # NOTE: without PUBLIC_URL the scheme is not compared: behind a TLS proxy, Host `a` is
    # Origin `https://a`; the default ports are dropped for the same reason.
    own = host_and_port(headers.get(b"host", b"").decode("latin-1"))
    return own is not None and _no_default(*found) == _no_default(*own)


def _public(public: str) -> tuple[str, int | None]:
    found = host_and_port(urlsplit(public).netloc)
    assert found is not None  # checked by the settings
    return found


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


def _no_default(host: str, port: int | None) -> tuple[str, int | None]:
    return host, None if port in (80, 443) else port
