"""Every error answer, in one place: routes raise, and one handler per kind answers with the
HTML error page on a page's URL and with JSON under /api/, declared in the OpenAPI schema.

- PageError (and NotFound): a page's refusal with its title and messages, or {"detail"}.
- 422 `{"detail": [{"loc", "msg", "type"}]}`: Pydantic's refusals and the engine's `EngineError`
  (its `loc` under "body", or "query"/"path" when it names such a parameter); on a page, the
  error page with the engine's message.
- other 4xx `{"detail": "..."}` (HTTPException, FastAPI's own handler).
- 503 `{"detail": "..."}` with Retry-After when the database is locked or unreachable.
- 500 `{"detail": "Internal Server Error"}` for a bug: logged, no traceback in the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.budget import OverBudget, remember_client
from app.web.deps import DatabaseUnavailable
from app.web.jsontext import why_unreadable
from app.web.render import error_page
from app.web.security import security_headers
from engine.errors import EngineError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
HOME_LINK = ("Back to the networks", "/")

# Locked, unreachable, not a database (SQLite's "file is not a database" is a bare
# DatabaseError), pool exhausted, or the tables not there yet.
UNAVAILABLE = (sa.OperationalError, sa.InterfaceError, sa.TimeoutError, DatabaseUnavailable)

# Tags of the unions a request may hold (app.api.schemas: one example or a batch, and an
# answer's kinds). Pydantic puts the tag in an error's `loc`; body_path drops it, so `loc`
# stays a path into the body.
VECTOR, MATRIX = "vector", "matrix"
ANSWER_TEXT, ANSWER_NUMBER = "answer-text", "answer-number"
ANSWER_NUMBERS, ANSWER_YES_NO = "answer-numbers", "answer-yes-no"
UNION_TAGS = frozenset({VECTOR, MATRIX, ANSWER_TEXT, ANSWER_NUMBER, ANSWER_NUMBERS, ANSWER_YES_NO})
# An unknown field's name is part of its loc: a 2 MB name would come back whole otherwise.
MAX_LOC_CHARS = 100
# A request can hold hundreds of thousands of mistakes (2 MB of unknown fields): the answer
# lists the first ones and counts the rest, so it stays small (tests/app/api/test_hostile_input.py).
MAX_LISTED_ERRORS = 20


class PageError(Exception):
    """A refusal a route raises: the error page, or `{"detail"}` under /api/.

    `links` default to the page itself without its query (a broken link's way back) and home.
    """

    def __init__(
        self,
        status_code: int,
        title: str,
        messages: Sequence[str],
        links: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__("; ".join(messages))
        self.status_code = status_code
        self.title = title
        self.messages = list(messages)
        self.links = None if links is None else list(links)


class AnswerInstead(Exception):
    """Raised where a page cannot be shown yet and another one answers instead (a form asking
    for what is missing), so helpers return their value or raise, never a Response union."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered instead")
        self.response = response


class NotFound(PageError):
    def __init__(self, message: str) -> None:
        super().__init__(status.HTTP_404_NOT_FOUND, "Not found", [message])


class ValidationErrorItem(BaseModel):
    loc: list[str | int] = Field(description='Where: e.g. ["body", "network", "layers", 1, "bias"]')
    msg: str
    type: str


class ValidationErrors(BaseModel):
    detail: list[ValidationErrorItem]


class Message(BaseModel):
    detail: str


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def body_path(loc: Sequence[str | int]) -> list[str | int]:
    """An error's loc as a path into the body: no union tags, over-long names shortened."""
    return [
        f"{part[:40]}… ({len(part):,} characters)"
        if isinstance(part, str) and len(part) > MAX_LOC_CHARS
        else part
        for part in loc
        if part not in UNION_TAGS
    ]


def _item(loc: Sequence[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": kind}


def _unprocessable(items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def validation_response(errors: Sequence[Mapping[str, Any]], total: int) -> JSONResponse:
    """Pydantic's refusals, as loc/msg/type only: echoing `input` could return megabytes."""
    items = []
    for error in errors[:MAX_LISTED_ERRORS]:
        loc = body_path(error["loc"])
        msg = error["msg"]
        if error["type"] == "json_invalid" and "error" in error.get("ctx", {}):
            msg = f"{msg}: {error['ctx']['error']}"
        items.append(_item(loc, msg, error["type"]))
    if total > MAX_LISTED_ERRORS:
        more = total - MAX_LISTED_ERRORS
        msg = f"and {more:,} more errors, not listed: correct these first"
        items.append(_item(["body"], msg, "too_many_errors"))
    return _unprocessable(items)


def _is_json(content_type: str) -> bool:
    """FastAPI's own test of a JSON body: application/json or any application/*+json."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _not_json_body(request: Request, error: Mapping[str, Any]) -> Mapping[str, Any]:
    """FastAPI reads a body sent as another type (curl -d sends a form) as not an object."""
    kind = request.headers.get("content-type", "")
    refused_whole = tuple(error["loc"]) == ("body",) and error["type"] == "model_attributes_type"
    if not refused_whole or _is_json(kind):
        return error
    sent = f"this request's Content-Type is {kind!r}" if kind else "this request has none"
    msg = f"send the body as JSON with Content-Type: application/json; {sent}"
    return {**error, "msg": msg}


def _too_big_for_a_float(error: Mapping[str, Any]) -> Mapping[str, Any]:
    """A JSON integer past float64's range (over 309 digits) is exact to Python's parser, and
    Pydantic calls it "not a valid number": say what is wrong with it."""
    if error["type"] != "float_type" or type(error.get("input")) is not int:
        return error
    return {**error, "msg": "a number too large for a float64 (at most about ±1.8e308)"}


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_too_big_for_a_float(_not_json_body(request, e)) for e in exc.errors()]
    return validation_response(errors, len(errors))


def _source(request: Request, name: str | int) -> str:
    """Where an engine error's first `loc` part came from: query, path or (else) the body."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        if any(p.name == name for p in route.dependant.query_params):
            return "query"
        if any(p.name == name for p in route.dependant.path_params):
            return "path"
    return "body"


async def engine_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EngineError)
    if not is_api(request):
        refusal = PageError(422, "This network cannot be shown", [exc.message])
        return await page_error(request, refusal)
    source = _source(request, exc.loc[0]) if exc.loc else "body"
    return _unprocessable([_item([source, *exc.loc], exc.message, "engine_error")])


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    if is_api(request):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)
    links = exc.links
    if links is None:
        own = request.method == "GET" and request.url.query
        links = (
            [("Open this page without its options", request.url.path), HOME_LINK]
            if own
            else [HOME_LINK]
        )
    return error_page(request, exc.status_code, exc.title, exc.messages, links)


async def answer_instead(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AnswerInstead)
    return exc.response


async def database_error(request: Request, exc: Exception) -> Response:
    where = f"{request.method} {request.url.path}"
    if isinstance(exc, UNAVAILABLE) or type(exc) is sa.DatabaseError:
        logger.warning("Database unavailable for %s: %s", where, exc)
    else:
        # NOTE: still a 503 (the client can do nothing else), but likely a bug: log it whole.
        logger.error("Unexpected database error in %s", where, exc_info=exc)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not is_api(request):
        message = (
            "The database is busy or unreachable right now, so nothing was saved. "
            f"Wait {RETRY_AFTER_SECONDS} seconds, then try again."
        )
        response = error_page(request, 503, "Busy, try again shortly", [message], [HOME_LINK])
        response.headers.update(retry)
        return response
    return JSONResponse(
        {"detail": "the database is unavailable right now; retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=retry,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except a body its JSON parser refused: that one says why."""
    assert isinstance(exc, StarletteHTTPException)
    why = why_unreadable(exc.__cause__) if exc.__cause__ is not None else None
    if exc.status_code == status.HTTP_400_BAD_REQUEST and why:
        return JSONResponse({"detail": f"the JSON body cannot be read: {why}"}, status_code=400)
    page = PAGE_ANSWERS.get(exc.status_code)
    routed = exc.detail in ("Not Found", "Method Not Allowed")  # the router's, not a route's
    if page is not None and routed and not is_api(request):
        # A mistyped address, or a form's address visited (a bookmark, a copied URL): a page
        # that says so, not raw JSON.
        response = error_page(request, exc.status_code, page[0], [page[1]], [HOME_LINK])
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response
    return await http_exception_handler(request, exc)


PAGE_ANSWERS = {
    status.HTTP_404_NOT_FOUND: (
        "Not found",
        "There is no page at this address. Check the link, or start again from the networks.",
    ),
    status.HTTP_405_METHOD_NOT_ALLOWED: (
        "Not a page to visit",
        "This address answers a form. Go back to the form and send it again.",
    ),
}


async def over_budget(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverBudget)
    response = JSONResponse(
        {"detail": exc.message},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )
    remember_client(request, response, exc.new_cookie)  # its next request has an id
    return response


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("Unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    # NOTE: sent by Starlette's outermost middleware, past SecurityHeaders: add them here.
    return JSONResponse(
        {"detail": "Internal Server Error"}, status_code=500, headers=security_headers()
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(AnswerInstead, answer_instead)
    app.add_exception_handler(EngineError, engine_error)
    app.add_exception_handler(sa.SQLAlchemyError, database_error)
    app.add_exception_handler(DatabaseUnavailable, database_error)
    app.add_exception_handler(OverBudget, over_budget)
    # NOTE: Starlette gives the Exception handler to its outermost middleware, which answers
    # with it and then re-raises, so the server logs the traceback too.
    app.add_exception_handler(Exception, unexpected_error)


_DESCRIPTIONS: dict[int, tuple[str, type[Any]]] = {
    400: (
        "The JSON body could not be read: nested too deeply, or an integer of more than "
        "4,300 digits (`detail` says which).",
        Message,
    ),
    403: (
        "Refused: a browser's POST from anywhere but the app's own pages (`Sec-Fetch-Site` "
        "other than same-origin, or an `Origin`/`Referer` of another origin). Programs, which "
        "send none of these, are not affected.",
        Message,
    ),
    404: ("No such resource.", Message),
    413: ("The request body is over MAX_BODY_BYTES (2 MiB by default).", Message),
    422: (
        "Refused: `loc` is the path of the offending field, `msg` says why (naming the layer "
        "and the shapes for shape errors).",
        ValidationErrors,
    ),
    429: (
        "Over this client's (or address's) compute budget for now (BUDGET_PER_CLIENT, "
        "BUDGET_PER_ADDRESS): retry after Retry-After seconds.",
        Message,
    ),
    500: ("An unexpected error (a bug): logged, answered without a traceback.", Message),
    503: ("The database is locked or unreachable: retry after Retry-After seconds.", Message),
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}


# A 201 whose Location header is the new resource's api_url, for `responses=`.
CREATED_WITH_LOCATION: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "The api_url", "schema": {"type": "string"}}}}
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of these error codes, for the OpenAPI schema."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description, model = _DESCRIPTIONS[code]
        out[code] = {"description": description, "model": model}
        if code in (429, 503):
            out[code]["headers"] = _RETRY_AFTER
    return out
