"""HEAD answered as GET without its body (RFC 9110 9.3.2): a pure ASGI middleware.

FastAPI's GET routes do not take HEAD (Starlette's own routes do), so link checkers, uptime
probes and `curl -I` got 405 on every page. The app answers the GET, headers and all (its
Content-Length included), and the body is dropped here.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
