"""Every error the API answers, in one place: FastAPI's shapes, declared in the OpenAPI schema.

- 422 `{"detail": [{"loc", "msg", "type"}]}`: Pydantic's refusals and the engine's `EngineError`
  (its `loc` under "body", or "query"/"path" when it names such a parameter).
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
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.schemas import Message, ValidationErrors, body_path
from app.web.budget import OverBudget
from app.web.deps import DatabaseUnavailable
from app.web.health import RETRY_AFTER_SECONDS
from app.web.jsontext import why_unreadable
from engine.errors import EngineError

logger = logging.getLogger(__name__)

# Locked, unreachable, not a database (SQLite's "file is not a database" is a bare
# DatabaseError), pool exhausted, or the tables not there yet.
UNAVAILABLE = (sa.OperationalError, sa.InterfaceError, sa.TimeoutError, DatabaseUnavailable)


def _item(loc: Sequence[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": kind}


def _unprocessable(items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# A request can hold hundreds of thousands of mistakes (2 MB of unknown fields): the answer
# lists the first ones and counts the rest, so it stays small (tests/app/test_hostile_input.py).
MAX_LISTED_ERRORS = 20


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


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_not_json_body(request, e) for e in exc.errors()]
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


async def engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EngineError)
    source = _source(request, exc.loc[0]) if exc.loc else "body"
    return _unprocessable([_item([source, *exc.loc], exc.message, "engine_error")])


async def database_error(request: Request, exc: Exception) -> Response:
    where = f"{request.method} {request.url.path}"
    if isinstance(exc, UNAVAILABLE) or type(exc) is sa.DatabaseError:
        logger.warning("Database unavailable for %s: %s", where, exc)
    else:
        # NOTE: still a 503 (the client can do nothing else), but likely a bug: log it whole.
        logger.error("Unexpected database error in %s", where, exc_info=exc)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not request.url.path.startswith("/api/"):
        return _unavailable_page(request, retry)
    return JSONResponse(
        {"detail": "the database is unavailable right now; retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=retry,
    )


def _unavailable_page(request: Request, headers: dict[str, str]) -> Response:
    """A page's 503: the HTML error page, not the API's JSON."""
    # Imported here: the pages' renderer loads the templates, which the API never needs.
    from app.web.render import error_page

    message = (
        "The database is busy or unreachable right now, so nothing was saved. "
        f"Wait {headers['Retry-After']} seconds, then try again."
    )
    title = "Busy, try again shortly"
    response = error_page(request, status.HTTP_503_SERVICE_UNAVAILABLE, title, [message])
    response.headers.update(headers)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except a body its JSON parser refused: that one says why."""
    assert isinstance(exc, StarletteHTTPException)
    why = why_unreadable(exc.__cause__) if exc.__cause__ is not None else None
    if exc.status_code == status.HTTP_400_BAD_REQUEST and why:
        return JSONResponse({"detail": f"the JSON body cannot be read: {why}"}, status_code=400)
    return await http_exception_handler(request, exc)


async def over_budget(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverBudget)
    return JSONResponse(
        {"detail": exc.message},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("Unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
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
        "Refused: a browser's POST from another web site (`Sec-Fetch-Site: cross-site`, or an "
        "`Origin`/`Referer` of another host). Programs, which send none of these, are not "
        "affected.",
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
        "Over this client's (or address's) training budget for now (BUDGET_PER_CLIENT, "
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
