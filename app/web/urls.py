"""The app's own origin and absolute URLs, from the configuration, never from a request alone.

A request's `Host` header is whatever its client sent: an answer that wrote it into a link
would hand every later visitor of a cached page (or of a teacher's shared link) an address of
the sender's choosing. So an absolute URL is PUBLIC_URL + path when PUBLIC_URL is set; else
the request's own scheme and host only when that host is one of ALLOWED_HOSTS; else the path
alone (a relative link, which the browser resolves against the page it is on).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from app.settings import get_settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_and_port(netloc: str) -> tuple[str, int | None] | None:
    """(host name lower-cased, port or None) of a Host header or a URL's netloc; None when it
    does not parse as one."""
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query:
        return None
    return parts.hostname.rstrip("."), port


def public_origin(request: Request) -> str:
    """ "https://host[:port]" that this request's absolute links start with, or "" (relative)."""
    settings = get_settings()
    if settings.public_url:
        return settings.public_url
    found = host_and_port(request.headers.get("host", ""))
    if found is None or found[0] not in settings.allowed_hosts:
        return ""
    host, port = found
    scheme = request.url.scheme if request.url.scheme in DEFAULT_PORTS else "http"
    shown = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown}"


def absolute_url(request: Request, path: str) -> str:
    """`path` (starting with "/") as the absolute URL a person can copy, or as it is."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"a path from the app's root, not {path!r}")
    return public_origin(request) + path


def is_https(request: Request) -> bool:
    """Whether the browser reached the app over HTTPS: the request's scheme (behind a proxy,
    uvicorn's --proxy-headers takes it from X-Forwarded-Proto), or PUBLIC_URL's."""
    public = get_settings().public_url
    return request.url.scheme == "https" or bool(public and public.startswith("https://"))
