"""A pure ASGI middleware that refuses request bodies over MAX_BODY_BYTES with 413.

A declared Content-Length over the limit is refused before the app runs; a chunked (or
under-declared) body is counted as it streams and refused once it passes the limit. Nothing is
ever kept beyond the limit.

NOTE: a client that is still sending when the 413 goes out and the connection closes gets a
reset instead of the answer (urllib does, 2 times in 3 over loopback). So the rest of the body
is read and dropped first, as nginx's lingering close does, up to DRAIN_FACTOR times the limit;
a client that asked `Expect: 100-continue` has sent nothing yet and is answered at once.
"""

from __future__ import annotations

import json

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings

DRAIN_FACTOR = 4


class BodyTooLarge(HTTPException):
    """Raised from `receive`: FastAPI lets an HTTPException through its body reading (other
    exceptions there become a 400), and the app's handler answers it as `{"detail": ...}`."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the request body is over the limit of {limit} bytes (MAX_BODY_BYTES)",
        )


class BodySizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read per request, so the limit follows the settings (tests change them).
        limit = get_settings().max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared < 0:
            await _refuse(send, status.HTTP_400_BAD_REQUEST, "invalid Content-Length")
            return
        if declared is not None and declared > limit:
            if declared <= DRAIN_FACTOR * limit and not _expects_continue(scope):
                await _drain(receive, DRAIN_FACTOR * limit)
            await _refuse(send, status.HTTP_413_CONTENT_TOO_LARGE, BodyTooLarge(limit).detail)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if message.get("more_body", False):
                        await _drain(receive, DRAIN_FACTOR * limit - received)
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return -1


def _expects_continue(scope: Scope) -> bool:
    return (_header(scope, b"expect") or b"").lower() == b"100-continue"


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of the body, at most `budget` bytes of it."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
