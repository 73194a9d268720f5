"""A pure ASGI middleware that refuses request bodies over MAX_BODY_BYTES with 413.

A declared Content-Length over the limit is refused before the app runs or any of the body is
read; a chunked (or under-declared) body is counted as it streams and refused once it passes
the limit, so nothing ever buffers more than the limit.
"""

from __future__ import annotations

import json

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings


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
        if declared is not None and (declared < 0 or declared > limit):
            too_large = declared > limit
            await _refuse(
                send,
                status.HTTP_413_CONTENT_TOO_LARGE if too_large else status.HTTP_400_BAD_REQUEST,
                BodyTooLarge(limit).detail if too_large else "invalid Content-Length",
            )
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


async def _refuse(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # NOTE: the unread body is still on the wire: the connection cannot be reused.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
