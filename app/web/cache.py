"""A per-worker cache of the answers the app itself declares shareable: a pure ASGI middleware.

A lecture hall asks for the same few dozen walkthrough views at once, and rendering one costs
milliseconds of a core (bench/load.py; py-spy shows Jinja as the hot spot). The walkthrough
routes already answer those views with `Cache-Control: public` and an ETag computed from the
build and the view, valid as long as this process runs; so a 200 GET answer with both (and no
Set-Cookie) is kept, per URL (scheme, Host, path and query, as any HTTP cache keys: a page may
carry an absolute link to its host, app.web.urls) and the request headers its Vary names, and
given again without running the app - as a 304 when the browser already holds that ETag. Bounded by
RESPONSE_CACHE_ENTRIES and RESPONSE_CACHE_BYTES (least recently used first out; 0 turns it
off), and emptied when the app starts, so each start (and each test's app) begins cold.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings

Headers = list[tuple[bytes, bytes]]
Where = tuple[str, bytes, str, bytes]  # scheme, Host, path, query
Key = tuple[str, bytes, str, bytes, tuple[bytes, ...]]
# Kept on a 304 (RFC 9110 15.4.5): what the full answer would have carried for caching.
REVALIDATION_HEADERS = frozenset({b"etag", b"cache-control", b"vary", b"expires"})


@dataclass(frozen=True)
class Entry:
    status: int
    headers: Headers
    body: bytes
    etag: bytes


class ResponseCache:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.entries: OrderedDict[Key, Entry] = OrderedDict()
        self.size = 0
        self.vary: dict[Where, tuple[bytes, ...]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self.clear()
        settings = get_settings()
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not settings.response_cache_entries
        ):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        where = (scope["scheme"], headers.get(b"host", b""), scope["path"], scope["query_string"])
        names = self.vary.get(where)
        if names is not None:
            entry = self.entries.get((*where, tuple(headers.get(n, b"") for n in names)))
            if entry is not None:
                self.entries.move_to_end((*where, tuple(headers.get(n, b"") for n in names)))
                await _replay(entry, headers.get(b"if-none-match", b""), send)
                return
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(where, headers, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keep)

    def clear(self) -> None:
        self.entries.clear()
        self.vary.clear()
        self.size = 0

    def _store(
        self, where: Where, request: dict[bytes, bytes], start: Message, body: bytes
    ) -> None:
        settings = get_settings()
        headers: Headers = list(start.get("headers", []))
        found = {name.lower(): value for name, value in headers}
        cache_control = found.get(b"cache-control", b"").lower()
        etag = found.get(b"etag")
        vary = found.get(b"vary", b"")
        if (
            start["status"] != 200
            or etag is None
            or b"public" not in cache_control
            or b"no-store" in cache_control
            or b"set-cookie" in found
            or b"*" in vary
            or len(body) > settings.response_cache_bytes // 8
        ):
            return
        names = tuple(sorted(n.strip().lower() for n in vary.split(b",") if n.strip()))
        if self.vary.setdefault(where, names) != names:
            return  # the same URL answered with another Vary: keep out of it
        key = (*where, tuple(request.get(n, b"") for n in names))
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self.entries[key] = Entry(start["status"], headers, body, etag)
        self.size += len(body)
        while self.entries and (
            len(self.entries) > settings.response_cache_entries
            or self.size > settings.response_cache_bytes
        ):
            _, evicted = self.entries.popitem(last=False)
            self.size -= len(evicted.body)


async def _replay(entry: Entry, if_none_match: bytes, send: Send) -> None:
    tags = {tag.strip() for tag in if_none_match.split(b",")}
    if entry.etag in tags or b"*" in tags:
        headers = [(k, v) for k, v in entry.headers if k.lower() in REVALIDATION_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
    await send({"type": "http.response.body", "body": entry.body})
